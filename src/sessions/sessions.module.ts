import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { UsedRsaSalt } from '../credentials/login-keys/entities/used-rsa-salt.entity.js';
import { SessionStoreModule } from '../credentials/sessions/session-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { User } from '../user-store/entities/user.entity.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { RsaLoginService } from './rsa-login.service.js';
import { SessionApiStatuses } from './session-api-statuses.js';
import { SessionLoginService } from './session-login.service.js';
import { SessionsController } from './sessions.controller.js';

/**
 * The session API: SIDs with secret cookies, RSA-signature login, SSO, validate and logout. Its
 * statuses and logins are exported to the doors that share its routes and envelope (the
 * user-token login's `POST /auth/login`, the password routes).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UsedRsaSalt, User]),
    AuditModule,
    IdentityModule,
    UserStoreModule,
    SessionStoreModule,
  ],
  controllers: [SessionsController],
  providers: [SessionLoginService, RsaLoginService, SessionApiStatuses],
  exports: [SessionLoginService, RsaLoginService, SessionApiStatuses],
})
export class SessionsModule {}
