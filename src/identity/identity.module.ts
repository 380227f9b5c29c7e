import { Global, Module } from '@nestjs/common';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { UserToken } from '../credentials/user-tokens/entities/user-token.entity.js';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { Session } from '../credentials/sessions/entities/session.entity.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { LoginFailure } from '../user-store/entities/login-failure.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { CallersService } from './callers.service.js';
import { CredentialLifecycleService } from './credential-lifecycle.service.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService } from './login-lockout.service.js';
import { PasswordCheckService } from './password-check.service.js';
import { BasicOrTokenStrategy } from './strategies/basic-or-token.strategy.js';
import { BasicStrategy } from './strategies/basic.strategy.js';
import { UserCredentialsService } from './user-credentials.service.js';

/**
 * How a request proves who it is: the one password check (per-address limit, per-account lock,
 * bcrypt, audit) and the Basic strategies built on it; who the caller of an administration or
 * self-service route is (@Authenticated), a user's stored credentials as an owner or an admin
 * manages them, and the one lifecycle by which any credential is added, replaced or removed.
 * Global, so that every API's routes reach the same checks.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([User, LoginFailure, UserToken, Session]),
    PasswordHashingModule,
    TokensModule,
    UsersModule,
    AuthModule,
    SessionsModule,
    SecondFactorModule,
  ],
  providers: [
    PasswordCheckService,
    LoginLockoutService,
    LoginLimiter,
    BasicStrategy,
    BasicOrTokenStrategy,
    CallersService,
    UserCredentialsService,
    CredentialLifecycleService,
  ],
  exports: [
    PasswordCheckService,
    LoginLockoutService,
    LoginLimiter,
    CallersService,
    UserCredentialsService,
    CredentialLifecycleService,
  ],
})
export class IdentityModule {}
