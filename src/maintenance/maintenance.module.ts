import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '../audit/audit.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { PasskeysModule } from '../credentials/passkeys/passkeys.module.js';
import { SessionStoreModule } from '../credentials/sessions/session-store.module.js';
import { UserTokenStoreModule } from '../credentials/user-tokens/user-token-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { PurgeService } from './purge.service.js';

/** Housekeeping on a schedule: the purge of what has expired. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    AuditModule,
    IdentityModule,
    TokensModule,
    UserTokenStoreModule,
    SessionStoreModule,
    SessionsModule,
    PasskeysModule,
    SecurityEventsModule,
  ],
  providers: [PurgeService],
  exports: [PurgeService],
})
export class MaintenanceModule {}
