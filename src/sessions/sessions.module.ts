import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { Session } from '../credentials/sessions/entities/session.entity.js';
import { UsedRsaSalt } from '../credentials/login-keys/entities/used-rsa-salt.entity.js';
import { PasswordOperationsService } from '../passwords/password-operations.service.js';
import { PasswordsController } from '../passwords/passwords.controller.js';
import { RsaLoginService } from './rsa-login.service.js';
import { SessionApiStatuses } from './session-api-statuses.js';
import { SessionLoginService } from './session-login.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';
import {
  SessionStrategy,
  ValidatePathSessionStrategy,
} from '../identity/strategies/session.strategy.js';

/**
 * The session API: SIDs with secret cookies, RSA-signature login, SSO, and the password routes
 * (hashpassword, matchpassword) over the hasher, which knows no API.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Session, UsedRsaSalt, User, Group]),
    UsersModule,
    PasswordHashingModule,
  ],
  controllers: [PasswordsController, SessionsController],
  providers: [
    SessionsService,
    SessionLoginService,
    RsaLoginService,
    SessionStrategy,
    ValidatePathSessionStrategy,
    PasswordOperationsService,
    SessionApiStatuses,
  ],
  exports: [SessionsService, SessionLoginService, RsaLoginService],
})
export class SessionsModule {}
