import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityEvent } from './entities/security-event.entity.js';
import { SsfDelivery } from './entities/ssf-delivery.entity.js';
import { SsfStream } from './entities/ssf-stream.entity.js';
import { SecurityEventsService } from './security-events.service.js';

/** Security events and the streams owed them: every store whose changes services must hear of. */
@Module({
  imports: [TypeOrmModule.forFeature([SecurityEvent, SsfStream, SsfDelivery])],
  providers: [SecurityEventsService],
  exports: [SecurityEventsService, TypeOrmModule],
})
export class SecurityEventsModule {}
