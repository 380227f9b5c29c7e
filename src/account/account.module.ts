import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { UserToken } from '../auth/entities/user-token.entity.js';
import { PasswordHashingModule } from '../passwords/password-hashing.module.js';
import { Session } from '../sessions/entities/session.entity.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { User } from '../users/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';
import { CallersService } from './callers.service.js';
import { UserCredentialsService } from './user-credentials.service.js';

/**
 * Self-service under /api/me, and who the caller of a signed-in route is. Global, so that
 * SignedInGuard and AdminGuard can guard a controller of any module.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([User, UserToken, Session]),
    TokensModule,
    AuthModule,
    SessionsModule,
    UsersModule,
    PasswordHashingModule,
  ],
  controllers: [AccountController],
  providers: [CallersService, AccountService, UserCredentialsService],
  exports: [CallersService, UserCredentialsService],
})
export class AccountModule {}
