import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SecurityEvent } from '../security-events/entities/security-event.entity.js';
import { SsfDelivery } from '../security-events/entities/ssf-delivery.entity.js';
import { SsfStream } from '../security-events/entities/ssf-stream.entity.js';
import { PUSH } from './dto/stream-configuration.dto.js';

/** An event a stream's receiver has not acknowledged yet, with what its SET is built from. */
export interface PendingDelivery {
  eventId: number;
  jti: string;
  attempts: number;
  nextAttemptAt: Date;
  event: SecurityEvent;
}

/**
 * The queue of each stream: the one place that reads the deliveries owed and removes or
 * reschedules them, for poll and push alike. The writer (SecurityEventsService) only adds to it,
 * in the transaction of the change; everything after that goes through here.
 */
@Injectable()
export class DeliveriesService {
  private readonly logger = new Logger(DeliveriesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The enabled push streams whose next delivery, the oldest one, is due now: a stream whose
   * oldest delivery waits for its retry has nothing due, whatever comes after it.
   */
  async duePushStreams(max: number): Promise<SsfStream[]> {
    return this.dataSource
      .createQueryBuilder(SsfStream, 'stream')
      .where('stream.status = :enabled', { enabled: 'enabled' })
      .andWhere('stream.deliveryMethod = :push', { push: PUSH })
      .andWhere((query) => {
        const oldest = query
          .subQuery()
          .select('MIN(head.eventId)')
          .from(SsfDelivery, 'head')
          .where('head.streamId = stream.id')
          .getQuery();
        const due = query
          .subQuery()
          .select('1')
          .from(SsfDelivery, 'delivery')
          .where('delivery.streamId = stream.id')
          .andWhere(`delivery.eventId = ${oldest}`)
          .andWhere('delivery.nextAttemptAt <= :now')
          .getQuery();
        return `EXISTS ${due}`;
      })
      .setParameter('now', this.clock.now())
      .orderBy('stream.id')
      .take(max)
      .getMany();
  }

  /**
   * Up to `max` deliveries of the stream, oldest event first, due or not: a receiver must get a
   * stream's events in order, so a delivery waiting for its retry holds back the ones after it.
   */
  async pending(streamId: string, max: number): Promise<PendingDelivery[]> {
    if (max <= 0) return [];
    const deliveries = await this.dataSource.getRepository(SsfDelivery).find({
      where: { streamId },
      order: { eventId: 'ASC' },
      take: max,
    });
    if (deliveries.length === 0) return [];
    const events = await this.dataSource
      .getRepository(SecurityEvent)
      .findBy({ id: In(deliveries.map((delivery) => delivery.eventId)) });
    const byId = new Map(events.map((event) => [event.id, event]));
    return deliveries.map((delivery) => ({
      eventId: delivery.eventId,
      jti: delivery.jti,
      attempts: delivery.attempts,
      nextAttemptAt: delivery.nextAttemptAt,
      event: byId.get(delivery.eventId)!,
    }));
  }

  /**
   * Removes the deliveries the receiver acknowledged; a `jti` of another stream, or one already
   * acknowledged, changes nothing. Answers how many were removed.
   */
  async acknowledge(streamId: string, jtis: readonly string[]): Promise<number> {
    if (jtis.length === 0) return 0;
    const result = await this.dataSource
      .getRepository(SsfDelivery)
      .delete({ streamId, jti: In([...jtis]) });
    return result.affected ?? 0;
  }

  /**
   * Gives up on one delivery the receiver refused (a push answered 400 with an `err`, a poll's
   * `setErrs`). The reason is logged for the operator; the SET itself never is.
   */
  async drop(streamId: string, jti: string, reason: string): Promise<void> {
    const result = await this.dataSource.getRepository(SsfDelivery).delete({ streamId, jti });
    if (result.affected)
      this.logger.warn(`Stream ${streamId} refused the event ${jti}, which is dropped: ${reason}`);
  }

  /** Records a failed push and when to try it again. */
  async retryLater(streamId: string, eventId: number, attempts: number, at: Date): Promise<void> {
    await this.dataSource
      .getRepository(SsfDelivery)
      .update({ streamId, eventId }, { attempts, nextAttemptAt: at });
  }

  /**
   * Drops every delivery of a stream that is being disabled, in the transaction that disables
   * it, so that no delivery outlives the change that ended it.
   */
  async dropAll(manager: EntityManager, streamId: string): Promise<void> {
    const result = await manager.delete(SsfDelivery, { streamId });
    this.metrics.countSsfDropped('stream_ended', result.affected ?? 0);
  }

  /** The age of the oldest event each stream is owed, in milliseconds; 0 for a stream owed none. */
  async oldestUndeliveredAges(): Promise<Map<string, number>> {
    const streams = await this.dataSource.getRepository(SsfStream).find({ select: { id: true } });
    const owed = await this.oldestOwed();
    return new Map(streams.map((stream) => [stream.id, owed.get(stream.id) ?? 0]));
  }

  /** How long, in milliseconds, the stream's oldest undelivered event has waited; null if none. */
  async oldestUndeliveredAge(streamId: string): Promise<number | null> {
    return (await this.oldestOwed(streamId)).get(streamId) ?? null;
  }

  /** Per stream owed anything (or only `streamId`), how long its oldest owed event has waited. */
  private async oldestOwed(streamId?: string): Promise<Map<string, number>> {
    // Events are numbered as they happen: each stream's lowest owed id is its oldest event.
    const query = this.dataSource
      .getRepository(SsfDelivery)
      .createQueryBuilder('delivery')
      .select('delivery.streamId', 'streamId')
      .addSelect('MIN(delivery.eventId)', 'eventId')
      .groupBy('delivery.streamId');
    if (streamId !== undefined) query.where('delivery.streamId = :streamId', { streamId });
    const oldest: { streamId: string; eventId: number | string }[] = await query.getRawMany();
    const events = await this.dataSource
      .getRepository(SecurityEvent)
      .findBy({ id: In(oldest.map(({ eventId }) => Number(eventId))) });
    const occurred = new Map(events.map((event) => [event.id, event.occurredAt.getTime()]));
    const ages = new Map<string, number>();
    for (const { streamId: stream, eventId } of oldest) {
      const at = occurred.get(Number(eventId));
      if (at !== undefined) ages.set(stream, Math.max(0, this.clock.nowMs() - at));
    }
    return ages;
  }
}
