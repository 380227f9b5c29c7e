import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { UserToken } from '../credentials/user-tokens/entities/user-token.entity.js';
import { JwtAuthController } from './jwt-auth.controller.js';
import { LoginController } from './login.controller.js';
import { PasswordLoginService } from '../identity/password-login.service.js';
import { UserTokenStrategy } from '../identity/strategies/user-token.strategy.js';
import { UserTokensController } from './user-tokens.controller.js';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';

/** The user-token API, the JWT API, and the login route the user-token API shares with sessions. */
@Module({
  imports: [TypeOrmModule.forFeature([UserToken]), UsersModule, TokensModule, SessionsModule],
  controllers: [LoginController, UserTokensController, JwtAuthController],
  providers: [UserTokensService, UserTokenStrategy, PasswordLoginService],
  exports: [UserTokensService, PasswordLoginService],
})
export class AuthModule {}
