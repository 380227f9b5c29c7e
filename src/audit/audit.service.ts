import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
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

/** Cuts a client-supplied value to its column's length, so that a long one cannot fail the write. */
function clip(value: string | null | undefined, length: number): string | null {
  return value == null ? null : value.slice(0, length);
}

/** Writes and purges the audit trail (issue 7). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
  ) {}

  /**
   * Never rejects: a failed write is logged (without the event's detail) and swallowed, so that
   * auditing cannot break a login.
   */
  async record(event: AuditEventInput): Promise<void> {
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
