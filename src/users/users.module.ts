import { Module } from '@nestjs/common';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { UsersController } from './users.controller.js';

/** The REST-auth API under /api: registration, a user by id, a token for Basic credentials. */
@Module({
  imports: [IdentityModule, UserStoreModule, TokensModule],
  controllers: [UsersController],
})
export class UsersModule {}
