import { setTimeout as delay } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { SsfStream } from '../security-events/entities/ssf-stream.entity.js';
import { DeliveriesService, type PendingDelivery } from './deliveries.service.js';
import type { PollRequestDto, PollResponseDto } from './dto/poll.dto.js';
import { POLL } from './dto/stream-configuration.dto.js';
import { SecurityEventTokens } from './security-event-tokens.service.js';
import { StreamsService } from './streams.service.js';

/** What a poll answers when it does not say how many. */
const DEFAULT_MAX_EVENTS = 100;
/** How long a poll that may wait (`returnImmediately: false`) waits for an event. */
export const POLL_WAIT_MS = 30_000;
/**
 * How often a waiting poll looks for events: the writer may be another instance, so the database
 * is where an event shows, and a short interval keeps an event's delay well under a second.
 */
const LOOK_AGAIN_MS = 200;

/**
 * Poll delivery (RFC 8936): a receiver acknowledges what it got (or refuses it) and takes the
 * SETs still owed, oldest first, each under its delivery's `jti`, the same on every poll until
 * acknowledged. A stream that is paused, or delivered by push, answers none.
 */
@Injectable()
export class PollService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly streams: StreamsService,
    private readonly deliveries: DeliveriesService,
    private readonly tokens: SecurityEventTokens,
    private readonly metrics: MetricsService,
  ) {}

  /** `closed` ends a wait early: the receiver went away, and nobody would read the answer. */
  async poll(
    client: ServiceClient,
    streamId: string,
    body: PollRequestDto,
    closed: AbortSignal,
  ): Promise<PollResponseDto> {
    let stream: SsfStream | null = await this.streams.owned(client, streamId);
    if (body.ack?.length)
      this.metrics.countSsfDelivered(
        'poll',
        await this.deliveries.acknowledge(stream.id, body.ack),
      );
    for (const [jti, { err, description }] of Object.entries(body.setErrs ?? {})) {
      await this.deliveries.drop(stream.id, jti, description ? `${err}: ${description}` : err);
    }
    const max = body.maxEvents ?? DEFAULT_MAX_EVENTS;
    const mayWait = body.returnImmediately !== true && max > 0;
    const deadline = this.clock.nowMs() + POLL_WAIT_MS;
    for (;;) {
      const pending =
        stream && isPolled(stream) ? await this.deliveries.pending(stream.id, max + 1) : [];
      const over = !stream || !mayWait || closed.aborted || this.clock.nowMs() >= deadline;
      if (pending.length > 0 || over) return this.answer(client, pending, max);
      await delay(LOOK_AGAIN_MS, undefined, { signal: closed }).catch(() => undefined);
      // Paused, enabled, changed to push or deleted meanwhile: each look reads it afresh.
      stream = await this.dataSource.getRepository(SsfStream).findOneBy({ id: streamId });
    }
  }

  private async answer(
    client: ServiceClient,
    pending: PendingDelivery[],
    max: number,
  ): Promise<PollResponseDto> {
    const sets: Record<string, string> = {};
    for (const delivery of pending.slice(0, max)) {
      sets[delivery.jti] = await this.tokens.sign(delivery.event, client.clientId, delivery.jti);
    }
    return { sets, moreAvailable: pending.length > max };
  }
}

/** Whether the stream's events go out by poll now. */
function isPolled(stream: SsfStream): boolean {
  return stream.status === 'enabled' && stream.deliveryMethod === POLL;
}
