import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { SecurityEvent, type SecurityEventDetail } from './entities/security-event.entity.js';
import { SsfDelivery } from './entities/ssf-delivery.entity.js';
import { SsfStream } from './entities/ssf-stream.entity.js';
import type { EventType } from './event-types.js';

/** An event as its cause states it: the type, whose it is, and what its SET will carry. */
export interface SecurityEventInput {
  type: EventType;
  userId: number | null;
  detail: SecurityEventDetail;
}

/**
 * The one writer of security events. It takes the manager of the transaction that makes the
 * change, so that the change and the events owed for it commit together or not at all: a
 * receiver never hears of a change that rolled back, and never misses one that committed.
 */
@Injectable()
export class SecurityEventsService {
  constructor(private readonly clock: Clock) {}

  /**
   * Writes the event and one delivery for each stream owed it: every stream that is not disabled
   * and asked for the type, or only `streamId` (a stream's own events, such as a verification).
   */
  async record(
    manager: EntityManager,
    input: SecurityEventInput,
    streamId?: string,
  ): Promise<SecurityEvent> {
    const now = this.clock.now();
    const event = await manager.save(manager.create(SecurityEvent, { ...input, occurredAt: now }));
    const streams = await this.streamsOwed(manager, input.type, streamId);
    if (streams.length > 0) {
      await manager.insert(
        SsfDelivery,
        streams.map((stream) => ({
          streamId: stream.id,
          eventId: event.id,
          jti: randomUUID(),
          attempts: 0,
          nextAttemptAt: now,
        })),
      );
    }
    return event;
  }

  private async streamsOwed(
    manager: EntityManager,
    type: EventType,
    streamId: string | undefined,
  ): Promise<SsfStream[]> {
    const query = manager
      .createQueryBuilder(SsfStream, 'stream')
      .select(['stream.id', 'stream.eventsDelivered'])
      .where('stream.status <> :disabled', { disabled: 'disabled' });
    if (streamId !== undefined)
      return query.andWhere('stream.id = :streamId', { streamId }).getMany();
    const streams = await query.getMany();
    return streams.filter((stream) => stream.eventsDelivered.includes(type));
  }
}
