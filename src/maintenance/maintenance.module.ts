import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { PurgeService } from './purge.service.js';

/** Housekeeping on a schedule: the purge of what has expired. */
@Module({
  imports: [ScheduleModule.forRoot(), AuthModule, SessionsModule, TokensModule, UsersModule],
  providers: [PurgeService],
  exports: [PurgeService],
})
export class MaintenanceModule {}
