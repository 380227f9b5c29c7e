import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { Session } from '../../user-store/entities/session.entity.js';
import { LivenessModule } from '../liveness/liveness.module.js';
import { SecurityEventsModule } from '../../security-events/security-events.module.js';
import { SessionsService } from './sessions.service.js';

/** Sessions: a sid and a secret, started, found live, ended. */
@Module({
  imports: [TypeOrmModule.forFeature([Session]), AuditModule, LivenessModule, SecurityEventsModule],
  providers: [SessionsService],
  exports: [SessionsService],
})
export class SessionStoreModule {}
