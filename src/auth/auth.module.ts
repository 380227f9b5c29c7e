import { Module } from '@nestjs/common';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { UserTokenStoreModule } from '../credentials/user-tokens/user-token-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { JwtAuthController } from './jwt-auth.controller.js';
import { LoginController } from './login.controller.js';
import { UserTokensController } from './user-tokens.controller.js';

/** The user-token API, the JWT API, and the login route the user-token API shares with sessions. */
@Module({
  imports: [IdentityModule, UserStoreModule, UserTokenStoreModule, TokensModule, SessionsModule],
  controllers: [LoginController, UserTokensController, JwtAuthController],
})
export class AuthModule {}
