import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { Group } from './entities/group.entity.js';
import { Session } from './entities/session.entity.js';
import { UserToken } from './entities/user-token.entity.js';
import { User } from './entities/user.entity.js';
import { UserCredentialsService } from './user-credentials.service.js';
import { UsersService } from './users.service.js';

/**
 * The one store of users, and the rows that hang off a user (groups, user tokens, sessions), so
 * that a password change, a disable or a delete ends a user's credentials in its own transaction,
 * with the security events it owes.
 * What each credential kind means lives in its store under credentials/. Its entities come with
 * it, so that a module that reads users (and their relations) needs only this import.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, Group, UserToken, Session]),
    PasswordHashingModule,
    SecurityEventsModule,
  ],
  providers: [UsersService, UserCredentialsService],
  exports: [TypeOrmModule, UsersService, UserCredentialsService],
})
export class UserStoreModule {}
