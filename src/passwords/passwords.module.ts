import { Module } from '@nestjs/common';
import { SessionStoreModule } from '../credentials/sessions/session-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { PasswordOperationsService } from './password-operations.service.js';
import { PasswordsController } from './passwords.controller.js';

/**
 * The session API's password routes (hashpassword, matchpassword) for a live session, over the
 * hasher, which knows no API.
 */
@Module({
  imports: [
    IdentityModule,
    SessionsModule,
    SessionStoreModule,
    UserStoreModule,
    PasswordHashingModule,
  ],
  controllers: [PasswordsController],
  providers: [PasswordOperationsService],
})
export class PasswordsModule {}
