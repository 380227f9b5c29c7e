import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Group } from '../users/entities/group.entity.js';
import { User } from '../users/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { Session } from './entities/session.entity.js';
import { UsedRsaSalt } from './entities/used-rsa-salt.entity.js';
import { RsaLoginService } from './rsa-login.service.js';
import { SessionLoginService } from './session-login.service.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';
import { SessionStrategy } from './strategies/session.strategy.js';

/** The session API: SIDs with secret cookies, RSA-signature login, SSO. */
@Module({
  imports: [TypeOrmModule.forFeature([Session, UsedRsaSalt, User, Group]), UsersModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionLoginService, RsaLoginService, SessionStrategy],
  exports: [SessionsService, SessionLoginService, RsaLoginService],
})
export class SessionsModule {}
