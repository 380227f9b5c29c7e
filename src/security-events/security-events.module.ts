import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEvent } from './entities/security-event.entity.js';
import { SsfDelivery } from './entities/ssf-delivery.entity.js';
import { SsfStream } from './entities/ssf-stream.entity.js';
import { SecurityEventFacts } from './security-event-facts.js';
import { SecurityEventRetention } from './security-event-retention.service.js';
import { SecurityEventsService } from './security-events.service.js';

/** Security events and the streams owed them: every store whose changes services must hear of. */
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEvent, SsfStream, SsfDelivery])],
  providers: [SecurityEventsService, SecurityEventFacts, SecurityEventRetention],
  exports: [SecurityEventsService, SecurityEventFacts, SecurityEventRetention, TypeOrmModule],
})
export class SecurityEventsModule {}
