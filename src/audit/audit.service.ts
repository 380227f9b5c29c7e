import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  And,
  type FindOperator,
  type FindOptionsWhere,
  LessThan,
  MoreThanOrEqual,
  Repository,
} from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.service.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import { DEFAULT_PAGE_SIZE } from '../common/validation/query-values.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditEvent } from './audit-event.entity.js';
import { AUDIT_OUTCOMES, type AuditEventType } from './audit-event-types.js';
import type {
  AuditEventDto,
  AuditEventPageDto,
  ListAuditEventsQueryDto,
} from './dto/audit-events.dto.js';

export interface AuditEventInput {
  type: AuditEventType;
  outcome: (typeof AUDIT_OUTCOMES)[number];
  /** 'security' | 'user-token' | 'rest-auth' | 'jwt' | 'session' | 'admin' | 'self-service' | 'cli' */
  api?: string | null;
  /** The user the event is about. */
  userId?: number | null;
  /** As given (failures of unknown users included); never a password. */
  username?: string | null;
  /** Who did it (the admin for admin changes), when not the user. */
  actorId?: number | null;
  address?: string | null;
  /** User-Agent; cut to 256 characters here. */
  agent?: string | null;
  /** Never secrets: no passwords, token values, session secrets or hashes. */
  detail?: Record<string, string | number | boolean | null>;
  /** When it happened: the instant its request is judged at, else the clock's now. */
  time?: Date;
}

const DAY_MS = 86_400_000;

/**
 * A client-supplied value as its column can hold it: cut to the column's length, and without NUL,
 * which PostgreSQL text cannot hold, so that no value the client chose can fail the write.
 */
function clip(value: string | null | undefined, length: number): string | null {
  return value == null ? null : value.replaceAll('\0', '').slice(0, length);
}

/** Writes and purges the audit trail. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
  ) {}

  /**
   * Records `events` in their order, so that a request writes what it did in one call. Never
   * rejects: a failed write is logged (without the event's detail) and swallowed, so that
   * auditing cannot break a login. Logins and lockouts are counted for /metrics here too, so that
   * the two never disagree.
   */
  async record(...events: AuditEventInput[]): Promise<void> {
    for (const event of events) await this.recordOne(event);
  }

  private async recordOne(event: AuditEventInput): Promise<void> {
    if (event.type === 'login') {
      this.metrics.countLogin(event.api ?? 'unknown', event.outcome);
      if (event.detail?.locked === true) this.metrics.countLockout(event.api ?? 'unknown');
      const { secondFactor } = event.detail ?? {};
      if (event.outcome === 'failure' && typeof secondFactor === 'string') {
        this.metrics.countSecondFactorFailure(event.api ?? 'unknown', secondFactor);
      }
    }
    try {
      await this.events.insert({
        time: event.time ?? this.clock.now(),
        type: event.type,
        outcome: event.outcome,
        api: clip(event.api, 32),
        userId: event.userId ?? null,
        username: clip(event.username, 64),
        actorId: event.actorId ?? null,
        address: clip(event.address, 64),
        agent: clip(event.agent, 256),
        detail: event.detail ?? null,
      });
    } catch (error) {
      this.logger.error(
        `Audit event ${event.type}/${event.outcome} not recorded: ${(error as Error).message}`,
      );
    }
  }

  /**
   * A page of events matching every filter given, newest first. Paged by `offset`, or by the
   * `before` cursor (ids only grow), which stays cheap however deep the page.
   */
  async list(query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = query.offset ?? 0;
    const where: FindOptionsWhere<AuditEvent> = {
      ...(query.type && { type: query.type }),
      ...(query.outcome && { outcome: query.outcome }),
      ...(query.userId !== undefined && { userId: query.userId }),
      ...(query.api && { api: query.api }),
      ...(query.before !== undefined && { id: LessThan(query.before) }),
    };
    const time = timeRange(query.from, query.to);
    if (time) where.time = time;
    const events = await this.events.find({
      where,
      order: { id: 'DESC' },
      take: limit,
      skip: offset,
    });
    return {
      items: events.map(toAuditEventDto),
      limit,
      offset,
      nextBefore: events.length === limit ? events[events.length - 1].id : null,
    };
  }

  /** Deletes events older than AUDIT_RETENTION_DAYS; returns how many. */
  async purgeOlderThanRetention(): Promise<number> {
    const cutoff = new Date(this.clock.nowMs() - this.config.auditRetentionDays * DAY_MS);
    return deleteInBatches(this.events, '"time" < :cutoff', { cutoff });
  }
}

/** `from` inclusive, `to` exclusive. */
function timeRange(from?: string, to?: string): FindOperator<Date> | undefined {
  const after = from === undefined ? undefined : MoreThanOrEqual(new Date(from));
  const before = to === undefined ? undefined : LessThan(new Date(to));
  return after && before ? And(after, before) : (after ?? before);
}

function toAuditEventDto(event: AuditEvent): AuditEventDto {
  return {
    id: event.id,
    time: event.time.toISOString(),
    type: event.type,
    outcome: event.outcome,
    api: event.api,
    userId: event.userId,
    username: event.username,
    actorId: event.actorId,
    address: event.address,
    agent: event.agent,
    detail: event.detail,
  };
}
