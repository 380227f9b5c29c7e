import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { UserToken } from '../../user-store/entities/user-token.entity.js';
import { LivenessModule } from '../liveness/liveness.module.js';
import { SecurityEventsModule } from '../../security-events/security-events.module.js';
import { UserTokensService } from './user-tokens.service.js';

/** User tokens: issued, found by their hash, bumped and removed. */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserToken]),
    AuditModule,
    LivenessModule,
    SecurityEventsModule,
  ],
  providers: [UserTokensService],
  exports: [UserTokensService],
})
export class UserTokenStoreModule {}
