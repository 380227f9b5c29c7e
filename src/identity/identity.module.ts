import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../passwords/password-hashing.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { LoginFailure } from '../users/entities/login-failure.entity.js';
import { User } from '../users/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService } from './login-lockout.service.js';
import { PasswordCheckService } from './password-check.service.js';
import { BasicOrTokenStrategy } from './strategies/basic-or-token.strategy.js';
import { BasicStrategy } from './strategies/basic.strategy.js';

/**
 * How a request proves who it is: the one password check (per-address limit, per-account lock,
 * bcrypt, audit) and the Basic strategies built on it. Global, so that every API's login routes
 * reach the same check.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([User, LoginFailure]),
    PasswordHashingModule,
    TokensModule,
    UsersModule,
  ],
  providers: [
    PasswordCheckService,
    LoginLockoutService,
    LoginLimiter,
    BasicStrategy,
    BasicOrTokenStrategy,
  ],
  exports: [PasswordCheckService, LoginLockoutService, LoginLimiter],
})
export class IdentityModule {}
