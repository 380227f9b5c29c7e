import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, IsNull, LessThanOrEqual } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import { isUniqueViolation } from '../common/errors/database-errors.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { AppConfig } from '../config/app-config.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { type DeliveryMethod, SsfStream } from '../security-events/entities/ssf-stream.entity.js';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../security-events/event-types.js';
import { SecurityEventsService } from '../security-events/security-events.service.js';
import { DeliveriesService } from './deliveries.service.js';
import {
  type CreateStreamDto,
  type DeliveryRequestDto,
  POLL,
  PUSH,
  type ReplaceStreamDto,
  type StreamConfigurationDto,
  type UpdateStreamDto,
} from './dto/stream-configuration.dto.js';
import type { StreamStatusDto, UpdateStatusDto } from './dto/stream-status.dto.js';
import { StreamAuthorizations } from './stream-authorizations.service.js';

/** The shortest time between two verification requests of a stream. */
export const MIN_VERIFICATION_INTERVAL_SECONDS = 10;

const SSF_API = 'ssf';
const NO_STREAM = 'This client has no stream with this stream_id';
/** A stream id as Gatehouse makes them (randomUUID); anything else names no stream. */
const STREAM_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where and how a stream's events go, as stored. */
interface Delivery {
  deliveryMethod: DeliveryMethod;
  endpointUrl: string | null;
  sealedAuthorization: string | null;
}

/**
 * Stream management (SSF 1.0 §8.1): each service client has at most one stream, and sees and
 * changes only its own; another client's stream is answered as no stream at all, so that a
 * client cannot learn which ids exist. The receiver's push credential is sealed as it arrives and
 * never answered.
 */
@Injectable()
export class StreamsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly events: SecurityEventsService,
    private readonly deliveries: DeliveriesService,
    private readonly authorizations: StreamAuthorizations,
  ) {}

  async create(client: ServiceClient, body: CreateStreamDto): Promise<StreamConfigurationDto> {
    const repository = this.dataSource.getRepository(SsfStream);
    if (await repository.existsBy({ clientId: client.clientId })) throw alreadyHasOne();
    const id = randomUUID();
    const now = this.clock.now();
    const stream = repository.create({
      id,
      clientId: client.clientId,
      status: 'enabled',
      statusReason: null,
      ...this.deliveryOf(id, body.delivery, null),
      ...eventsOf(body.events_requested ?? []),
      description: body.description ?? null,
      verifiedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await repository.insert(stream);
    } catch (error) {
      // Another request of the same client created one first.
      if (isUniqueViolation(error)) throw alreadyHasOne();
      throw error;
    }
    await this.recordChange(client, stream, 'create');
    return this.configurationOf(stream);
  }

  /** The client's stream named `streamId`; without one, all of its streams (none or one). */
  async read(
    client: ServiceClient,
    streamId: string | undefined,
  ): Promise<StreamConfigurationDto | StreamConfigurationDto[]> {
    if (streamId !== undefined) return this.configurationOf(await this.owned(client, streamId));
    const streams = await this.dataSource
      .getRepository(SsfStream)
      .findBy({ clientId: client.clientId });
    return streams.map((stream) => this.configurationOf(stream));
  }

  /** `PATCH`: what the body gives changes; the rest stays. */
  async update(client: ServiceClient, body: UpdateStreamDto): Promise<StreamConfigurationDto> {
    const stream = await this.owned(client, body.stream_id);
    // JSON's null passes as left out (IsOptional), for all but the description, which it clears.
    if (body.events_requested != null) Object.assign(stream, eventsOf(body.events_requested));
    if (body.delivery != null)
      Object.assign(stream, this.deliveryOf(stream.id, body.delivery, stream));
    if (body.description !== undefined) stream.description = body.description;
    return this.save(client, stream, 'update');
  }

  /** `PUT`: the receiver's whole configuration, as for a new stream. */
  async replace(client: ServiceClient, body: ReplaceStreamDto): Promise<StreamConfigurationDto> {
    const stream = await this.owned(client, body.stream_id);
    Object.assign(
      stream,
      eventsOf(body.events_requested ?? []),
      this.deliveryOf(stream.id, body.delivery, null),
      { description: body.description ?? null },
    );
    return this.save(client, stream, 'replace');
  }

  /** Deletes the stream and every event still owed to it. */
  async remove(client: ServiceClient, streamId: string): Promise<void> {
    const stream = await this.owned(client, streamId);
    await this.dataSource.transaction(async (manager) => {
      await this.deliveries.dropAll(manager, stream.id);
      await manager.delete(SsfStream, { id: stream.id });
    });
    await this.recordChange(client, stream, 'delete');
  }

  async status(client: ServiceClient, streamId: string): Promise<StreamStatusDto> {
    return statusOf(await this.owned(client, streamId));
  }

  /**
   * Enables, pauses or disables the stream. Disabling drops what it is owed in the same
   * transaction; while it is disabled, the writer owes it nothing more.
   */
  async setStatus(client: ServiceClient, body: UpdateStatusDto): Promise<StreamStatusDto> {
    const stream = await this.owned(client, body.stream_id);
    const previous = stream.status;
    stream.status = body.status;
    stream.statusReason = body.reason ?? null;
    stream.updatedAt = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      await manager.update(
        SsfStream,
        { id: stream.id },
        { status: stream.status, statusReason: stream.statusReason, updatedAt: stream.updatedAt },
      );
      if (stream.status === 'disabled') await this.deliveries.dropAll(manager, stream.id);
    });
    await this.recordChange(client, stream, 'status', { previousStatus: previous });
    return statusOf(stream);
  }

  /**
   * Records a verification event for this stream only, which goes out as any other event does.
   * Each instance holds the minimum interval through the stream's row, so that a client cannot
   * fill the queue with them by asking several instances.
   */
  async verify(client: ServiceClient, streamId: string, state: string | undefined): Promise<void> {
    const stream = await this.owned(client, streamId);
    const now = this.clock.now();
    const since = new Date(now.getTime() - MIN_VERIFICATION_INTERVAL_SECONDS * 1000);
    await this.dataSource.transaction(async (manager) => {
      const claimed = await manager.update(
        SsfStream,
        [
          { id: stream.id, verifiedAt: IsNull() },
          { id: stream.id, verifiedAt: LessThanOrEqual(since) },
        ],
        { verifiedAt: now },
      );
      if (!claimed.affected) throw await this.tooSoon(manager, stream.id, now);
      await this.events.record(
        manager,
        {
          type: EVENT_TYPES.verification,
          userId: null,
          detail: {
            sub_id: { format: 'opaque', id: stream.id },
            txn: randomUUID(),
            event: state == null ? {} : { state },
          },
        },
        stream.id,
      );
    });
  }

  /** The client's stream `streamId`; any other id, another client's included, is no stream. */
  async owned(client: ServiceClient, streamId: string): Promise<SsfStream> {
    // Checked before the database sees it: a path parameter has not been through validation.
    if (!STREAM_ID.test(streamId)) throw new NotFoundException(NO_STREAM);
    const stream = await this.dataSource
      .getRepository(SsfStream)
      .findOneBy({ id: streamId, clientId: client.clientId });
    if (!stream) throw new NotFoundException(NO_STREAM);
    return stream;
  }

  /** Where the receiver of a polled stream polls it. */
  pollUrlOf(streamId: string): string {
    return `${this.config.publicUrl}/ssf/poll/${streamId}`;
  }

  configurationOf(stream: SsfStream): StreamConfigurationDto {
    return {
      stream_id: stream.id,
      iss: this.config.jwt.issuer,
      aud: stream.clientId,
      events_supported: [...SUBSCRIBABLE_EVENT_TYPES],
      events_requested: stream.eventsRequested,
      events_delivered: stream.eventsDelivered,
      delivery: {
        method: stream.deliveryMethod,
        endpoint_url:
          stream.deliveryMethod === POLL ? this.pollUrlOf(stream.id) : stream.endpointUrl!,
      },
      min_verification_interval: MIN_VERIFICATION_INTERVAL_SECONDS,
      ...(stream.description !== null && { description: stream.description }),
    };
  }

  private async save(
    client: ServiceClient,
    stream: SsfStream,
    action: 'update' | 'replace',
  ): Promise<StreamConfigurationDto> {
    stream.updatedAt = this.clock.now();
    // The receiver's own settings only: a status changed meanwhile is not written back.
    await this.dataSource.getRepository(SsfStream).update(
      { id: stream.id },
      {
        eventsRequested: stream.eventsRequested,
        eventsDelivered: stream.eventsDelivered,
        deliveryMethod: stream.deliveryMethod,
        endpointUrl: stream.endpointUrl,
        sealedAuthorization: stream.sealedAuthorization,
        description: stream.description,
        updatedAt: stream.updatedAt,
      },
    );
    await this.recordChange(client, stream, action);
    return this.configurationOf(stream);
  }

  /**
   * The delivery the receiver asked for. Within the same method, what it leaves out of an update
   * stays as it was (`current`); a new method, or a new configuration, starts from nothing.
   */
  private deliveryOf(
    streamId: string,
    asked: DeliveryRequestDto,
    current: SsfStream | null,
  ): Delivery {
    if (asked.method === POLL)
      return { deliveryMethod: POLL, endpointUrl: null, sealedAuthorization: null };
    const kept = current?.deliveryMethod === PUSH ? current : null;
    const endpointUrl = asked.endpoint_url ?? kept?.endpointUrl ?? null;
    if (endpointUrl === null || !isHttpUrl(endpointUrl)) {
      throw new BadRequestException(
        'delivery.endpoint_url must be an http or https URL for push delivery',
      );
    }
    const sealedAuthorization =
      asked.authorization_header === undefined
        ? (kept?.sealedAuthorization ?? null)
        : asked.authorization_header === null
          ? null
          : this.authorizations.seal(streamId, asked.authorization_header);
    return { deliveryMethod: PUSH, endpointUrl, sealedAuthorization };
  }

  private async tooSoon(
    manager: EntityManager,
    streamId: string,
    now: Date,
  ): Promise<TooManyAttemptsException> {
    const stream = await manager.findOneByOrFail(SsfStream, { id: streamId });
    const nextMs =
      (stream.verifiedAt?.getTime() ?? now.getTime()) + MIN_VERIFICATION_INTERVAL_SECONDS * 1000;
    return new TooManyAttemptsException(
      Math.max(1, Math.ceil((nextMs - now.getTime()) / 1000)),
      `Verification was asked less than ${MIN_VERIFICATION_INTERVAL_SECONDS} seconds ago`,
    );
  }

  /** The audit trail of a stream change: who (the client) and what, never the push credential. */
  private recordChange(
    client: ServiceClient,
    stream: SsfStream,
    action: 'create' | 'update' | 'replace' | 'delete' | 'status',
    extra: Record<string, string> = {},
  ): Promise<void> {
    return this.audit.record({
      type: 'ssf.stream.change',
      outcome: 'success',
      api: SSF_API,
      detail: {
        action,
        client: client.name,
        clientId: client.clientId,
        streamId: stream.id,
        method: stream.deliveryMethod,
        status: stream.status,
        ...extra,
      },
    });
  }
}

function alreadyHasOne(): ConflictException {
  return new ConflictException('This client has a stream already; update or delete it');
}

/** The types asked for, and those of them Gatehouse sends. */
function eventsOf(requested: string[]): Pick<SsfStream, 'eventsRequested' | 'eventsDelivered'> {
  const unique = [...new Set(requested)];
  return {
    eventsRequested: unique,
    eventsDelivered: unique.filter((type) =>
      (SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(type),
    ),
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function statusOf(stream: SsfStream): StreamStatusDto {
  return {
    stream_id: stream.id,
    status: stream.status,
    ...(stream.statusReason !== null && { reason: stream.statusReason }),
  };
}
