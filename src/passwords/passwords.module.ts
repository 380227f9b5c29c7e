import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { UsersModule } from '../users/users.module.js';
import { PasswordHashingModule } from './password-hashing.module.js';
import { PasswordOperationsService } from './password-operations.service.js';
import { PasswordsController } from './passwords.controller.js';

/** The session API's password endpoints (hashing itself is PasswordHashingModule's). */
@Module({
  imports: [PasswordHashingModule, UsersModule, SessionsModule],
  controllers: [PasswordsController],
  providers: [PasswordOperationsService],
})
export class PasswordsModule {}
