import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { LivenessModule } from '../credentials/liveness/liveness.module.js';
import { PasskeysModule } from '../credentials/passkeys/passkeys.module.js';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { SessionStoreModule } from '../credentials/sessions/session-store.module.js';
import { ServiceClientsModule } from '../credentials/service-clients/service-clients.module.js';
import { UserTokenStoreModule } from '../credentials/user-tokens/user-token-store.module.js';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { LoginFailure } from '../user-store/entities/login-failure.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { AccessChecks } from './access-checks.service.js';
import { CredentialLifecycleService } from './credential-lifecycle.service.js';
import { ForwardedRequestCheck } from './forwarded-request-check.service.js';
import { KeptBasicPasses } from './kept-basic-passes.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService } from './login-lockout.service.js';
import { PasswordCheckService } from './password-check.service.js';
import { PasswordLoginService } from './password-login.service.js';
import { BasicOrTokenStrategy } from './strategies/basic-or-token.strategy.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { SessionStrategy, ValidatePathSessionStrategy } from './strategies/session.strategy.js';
import { UserTokenStrategy } from './strategies/user-token.strategy.js';
import { TokenCheckService } from './token-check.service.js';

/**
 * How a request proves who it is, for every door: the one password check (per-address limit,
 * per-account lock, bcrypt, audit), the one check of a token or session (which also says who the
 * caller of an administration or self-service route is), the Passport strategies as adapters over
 * them, what the app's one guard of access does on each route that declares a check (AccessChecks), and the
 * one lifecycle by which any credential is added, replaced or removed.
 * It stands on the credential stores and the user store; the doors import it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, LoginFailure]),
    AuditModule,
    ThrottlingModule,
    LivenessModule,
    PasswordHashingModule,
    UserStoreModule,
    TokensModule,
    UserTokenStoreModule,
    SessionStoreModule,
    SecondFactorModule,
    PasskeysModule,
    ServiceClientsModule,
    SecurityEventsModule,
  ],
  providers: [
    PasswordCheckService,
    LoginLockoutService,
    LoginLimiter,
    TokenCheckService,
    PasswordLoginService,
    CredentialLifecycleService,
    ForwardedRequestCheck,
    KeptBasicPasses,
    AccessChecks,
    BasicOrTokenStrategy,
    JwtStrategy,
    UserTokenStrategy,
    SessionStrategy,
    ValidatePathSessionStrategy,
  ],
  exports: [
    PasswordCheckService,
    LoginLockoutService,
    LoginLimiter,
    TokenCheckService,
    PasswordLoginService,
    CredentialLifecycleService,
    ForwardedRequestCheck,
    AccessChecks,
  ],
})
export class IdentityModule {}
