import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import { SecurityEvent } from './entities/security-event.entity.js';

const HOUR_MS = 3_600_000;

/**
 * How long security events are kept: until every stream owed one has it, and never past
 * SSF_EVENT_TTL_HOURS, so that a receiver gone for good does not keep its events for ever.
 */
@Injectable()
export class SecurityEventRetention {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectRepository(SecurityEvent) private readonly events: Repository<SecurityEvent>,
  ) {}

  /**
   * Deletes the events past SSF_EVENT_TTL_HOURS, with the deliveries still owed of them, and those
   * no stream owes any more; returns how many. An event is written with its deliveries in one
   * transaction, so one without any was never owed or has been acknowledged by every stream.
   */
  purgeSpent(): Promise<number> {
    const cutoff = new Date(this.clock.nowMs() - this.config.ssfEventTtlHours * HOUR_MS);
    return deleteInBatches(
      this.events,
      '"occurredAt" < :cutoff OR "id" NOT IN (SELECT "eventId" FROM "ssf_delivery")',
      { cutoff },
    );
  }
}
