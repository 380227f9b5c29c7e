import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { AuditEvent } from './audit-event.entity.js';

export type AuditEventType =
  | 'login'
  | 'token.issue'
  | 'token.revoke'
  | 'session.start'
  | 'session.end'
  | 'password.change'
  | 'admin.change';

export interface AuditEventInput {
  type: AuditEventType;
  outcome: 'success' | 'failure';
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
}

const DAY_MS = 86_400_000;

/**
 * A client-supplied value as its column can hold it: cut to the column's length, and without NUL,
 * which PostgreSQL text cannot hold, so that no value the client chose can fail the write.
 */
function clip(value: string | null | undefined, length: number): string | null {
  return value == null ? null : value.replaceAll('\0', '').slice(0, length);
}

/** Writes and purges the audit trail (issue 7). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
  ) {}

  /**
   * Never rejects: a failed write is logged (without the event's detail) and swallowed, so that
   * auditing cannot break a login. Logins and lockouts are counted for /metrics here too, so that
   * the two never disagree.
   */
  async record(event: AuditEventInput): Promise<void> {
    if (event.type === 'login') {
      this.metrics.countLogin(event.api ?? 'unknown', event.outcome);
      if (event.detail?.locked === true) this.metrics.countLockout(event.api ?? 'unknown');
    }
    try {
      await this.events.insert({
        time: new Date(),
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

  /** Deletes events older than AUDIT_RETENTION_DAYS; returns how many. */
  async purgeOlderThanRetention(): Promise<number> {
    const cutoff = new Date(Date.now() - this.config.auditRetentionDays * DAY_MS);
    const result = await this.events.delete({ time: LessThan(cutoff) });
    return result.affected ?? 0;
  }
}
