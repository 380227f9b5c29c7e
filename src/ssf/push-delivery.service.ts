import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SsfStream } from '../security-events/entities/ssf-stream.entity.js';
import { DeliveriesService, type PendingDelivery } from './deliveries.service.js';
import { DeliveryLocks } from './delivery-lock.js';
import { PUSH } from './dto/stream-configuration.dto.js';
import { PushWakeUp } from './push-wake-up.subscriber.js';
import { SecurityEventTokens } from './security-event-tokens.service.js';
import { StreamAuthorizations } from './stream-authorizations.service.js';

/**
 * How often each instance looks for pushes that are due. The queue is in the database, written
 * by whichever instance made the change, so a look there is how an instance learns of an event;
 * a quarter of a second keeps a revocation's delay well under a second, and a look is one indexed
 * query when nothing is due.
 */
const LOOK_INTERVAL_MS = 250;
/**
 * Streams one instance delivers at once: a receiver that hangs until the timeout holds only its
 * own stream, and each stream delivered takes at most two of the pool's connections.
 */
const STREAMS_AT_ONCE = 4;
/** Due streams read at each look, among which this instance takes those it has room for. */
const DUE_STREAMS_READ = 100;
/** Deliveries read from the queue at a time, within one stream's round. */
const BATCH = 50;
/** The wait after a stream's first failed push, doubling with each further one, up to the cap. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
/**
 * Up to this share of each wait is taken off at random, so that the streams of a receiver that
 * was down for all of them do not come back at the same instant.
 */
const RETRY_JITTER = 0.2;
/** From this many failed pushes of one event in a row, each further failure is a warning. */
const REPEATED_FAILURES = 3;
/** The most of an error answer read: a receiver's `err` object is small. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;
/** The `err` codes RFC 8935 defines; any other is counted as `other`, to bound the metric. */
const PUSH_ERRORS = new Set([
  'invalid_request',
  'invalid_key',
  'invalid_issuer',
  'invalid_audience',
  'authentication_failed',
  'access_denied',
]);

type Outcome = 'delivered' | 'dropped' | 'failed';

/**
 * Push delivery (RFC 8935): every instance looks for enabled push streams whose next event is
 * due (at a regular interval, and at once after a change of its own owes a stream an event), and
 * delivers each such stream's events in event order, one SET per `POST`, holding the
 * stream (DeliveryLocks) so that no other instance delivers it meanwhile.
 *
 * Any 2xx acknowledges the event. RFC 8935 asks receivers for 202, but one that answers 200 or
 * 204 took it all the same, and sending it again would repeat it for ever. A 400 with an `err`
 * is the receiver refusing this SET: it is dropped, logged, and the next one goes. Anything else
 * (a 5xx, another 4xx such as a receiver's credential refused, a redirect, a timeout, a refused
 * connection) says nothing against this SET: it is tried again after a growing wait, and the
 * stream's later events wait behind it, so that they arrive in order.
 *
 * Neither a SET nor the `Authorization` header is ever logged: the first says who changed what,
 * the second is the receiver's credential.
 */
@Injectable()
export class PushDeliveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PushDeliveryService.name);
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<unknown> | null = null;
  private lookFailing = false;
  private lookAgain = false;
  private readonly rounds = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly deliveries: DeliveriesService,
    private readonly locks: DeliveryLocks,
    private readonly tokens: SecurityEventTokens,
    private readonly authorizations: StreamAuthorizations,
    private readonly wakeUp: PushWakeUp,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.look(), LOOK_INTERVAL_MS);
    this.wakeUp.onCommitOwing(() => this.look());
  }

  /**
   * Stops looking, cuts the pushes under way short (each stays owed, as it was) and waits for the
   * rounds to end before the database closes.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping.abort();
    await this.looking;
    await Promise.all(this.rounds.values());
  }

  /**
   * One look; asked while one is going, another follows it, so that an event committed meanwhile
   * waits for no tick. A stream already being delivered is left to its round, which reads the
   * queue again until it is empty.
   */
  private look(): void {
    if (this.stopping.signal.aborted) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.lookAgain = false;
    this.looking = this.startDueRounds()
      .then(
        () => (this.lookFailing = false),
        (error: unknown) => {
          // Once per outage, not four times a second while the database is away.
          if (!this.lookFailing)
            this.logger.error(`Looking for due pushes failed: ${(error as Error).message}`);
          this.lookFailing = true;
        },
      )
      .finally(() => {
        this.looking = null;
        if (this.lookAgain) this.look();
      });
  }

  private async startDueRounds(): Promise<void> {
    const free = STREAMS_AT_ONCE - this.rounds.size;
    if (free <= 0) return;
    const due = await this.deliveries.duePushStreams(DUE_STREAMS_READ);
    // In random order: other instances read the same list, and a stream they hold would
    // otherwise take this instance's turn at every look.
    const others = shuffled(due.filter(({ id }) => !this.rounds.has(id)));
    for (const stream of others.slice(0, free)) {
      const round = this.locks
        .whileHolding(stream.id, () => this.deliverStream(stream.id))
        .then(
          () => undefined,
          (error: unknown) =>
            this.logger.error(`Pushing to stream ${stream.id} failed: ${(error as Error).message}`),
        )
        .finally(() => this.rounds.delete(stream.id));
      this.rounds.set(stream.id, round);
    }
  }

  /**
   * The stream's due events, in order, until none is left or one fails. The stream is read again
   * for each batch, since another instance may pause, change or disable it meanwhile.
   */
  private async deliverStream(streamId: string): Promise<void> {
    for (;;) {
      const stream = await this.dataSource.getRepository(SsfStream).findOneBy({ id: streamId });
      if (!stream || stream.status !== 'enabled' || stream.deliveryMethod !== PUSH) return;
      const pending = await this.deliveries.pending(stream.id, BATCH);
      if (pending.length === 0) return;
      for (const delivery of pending) {
        if (this.stopping.signal.aborted) return;
        if (delivery.nextAttemptAt.getTime() > this.clock.nowMs()) return;
        if ((await this.push(stream, delivery)) === 'failed') return;
      }
    }
  }

  private async push(stream: SsfStream, delivery: PendingDelivery): Promise<Outcome> {
    // A timer of its own rather than AbortSignal.timeout: combined with AbortSignal.any, node
    // holds that signal weakly, and one collected before it fires leaves the push hanging.
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(new PushTimeout()), this.config.ssfPushTimeoutMs);
    const stop = () => abort.abort(this.stopping.signal.reason);
    this.stopping.signal.addEventListener('abort', stop);
    try {
      return await this.pushWithin(stream, delivery, abort.signal);
    } finally {
      clearTimeout(timeout);
      this.stopping.signal.removeEventListener('abort', stop);
    }
  }

  private async pushWithin(
    stream: SsfStream,
    delivery: PendingDelivery,
    signal: AbortSignal,
  ): Promise<Outcome> {
    let response: Response;
    try {
      const set = await this.tokens.sign(delivery.event, stream.clientId, delivery.jti);
      const headers: Record<string, string> = {
        'Content-Type': 'application/secevent+jwt',
        Accept: 'application/json',
      };
      if (stream.sealedAuthorization !== null) {
        headers.Authorization = this.authorizations.open(stream.id, stream.sealedAuthorization);
      }
      response = await fetch(stream.endpointUrl!, {
        method: 'POST',
        headers,
        body: set,
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      // Shutting down: the push stays owed as it was, for the next deliverer.
      if (this.stopping.signal.aborted) return 'failed';
      return this.failed(stream, delivery, failureOf(error));
    }
    if (response.ok) {
      await this.deliveries.acknowledge(stream.id, [delivery.jti]);
      this.metrics.countSsfDelivered('push');
      discard(response);
      return 'delivered';
    }
    const refusal = response.status === 400 ? await refusalOf(response) : null;
    if (!refusal) {
      discard(response);
      return this.failed(stream, delivery, `HTTP ${response.status}`);
    }
    await this.deliveries.drop(
      stream.id,
      delivery.jti,
      refusal.description ? `${refusal.err}: ${refusal.description}` : refusal.err,
    );
    this.metrics.countSsfDropped(PUSH_ERRORS.has(refusal.err) ? refusal.err : 'other');
    return 'dropped';
  }

  /** Puts the push off: the first failure by a second, doubling up to five minutes. */
  private async failed(
    stream: SsfStream,
    delivery: PendingDelivery,
    reason: string,
  ): Promise<Outcome> {
    const attempts = delivery.attempts + 1;
    const wait = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1));
    const at = new Date(this.clock.nowMs() + Math.round(wait * (1 - Math.random() * RETRY_JITTER)));
    await this.deliveries.retryLater(stream.id, delivery.eventId, attempts, at);
    this.metrics.countSsfRetried();
    const message = `Push of event ${delivery.jti} to stream ${stream.id} failed (${reason}), attempt ${attempts}; next at ${at.toISOString()}`;
    if (attempts >= REPEATED_FAILURES) this.logger.warn(message);
    else this.logger.log(message);
    return 'failed';
  }
}

/** Why a push was cut short: its receiver did not answer within SSF_PUSH_TIMEOUT_SECONDS. */
class PushTimeout extends Error {
  constructor() {
    super('no answer within SSF_PUSH_TIMEOUT_SECONDS');
  }
}

/** The items in a random order (Fisher-Yates). */
function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** What went wrong with a push that got no answer, without the request it was. */
function failureOf(error: unknown): string {
  if (error instanceof PushTimeout) return error.message;
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}

/** Frees the connection of an answer whose body is of no use; a body that fails changes nothing. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * A 400's `err` and `description` (RFC 8935 §2.3), or null when it has none, or when its body
 * could not be read (cut off, or too slow): then the push counts as failed, not refused.
 */
async function refusalOf(
  response: Response,
): Promise<{ err: string; description?: string } | null> {
  try {
    const body = JSON.parse(await readSome(response, MAX_ERROR_BODY_BYTES)) as unknown;
    if (typeof body !== 'object' || body === null) return null;
    const { err, description } = body as Record<string, unknown>;
    if (typeof err !== 'string' || err === '') return null;
    return {
      err: err.slice(0, 64),
      ...(typeof description === 'string' && { description: description.slice(0, 256) }),
    };
  } catch {
    return null;
  }
}

/** The start of a body, up to `max` bytes; the rest is never read. */
async function readSome(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}
