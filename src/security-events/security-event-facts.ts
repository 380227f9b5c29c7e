import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import type { SecurityEventDetail } from './entities/security-event.entity.js';
import { EVENT_TYPES, type EventType } from './event-types.js';
import { SecurityEventsService } from './security-events.service.js';

/** Who made a change, in CAEP's words. */
export type InitiatingEntity = 'user' | 'admin' | 'policy' | 'system';

/** Who made a change and, when there is one, the reason an admin or the system gives. */
export interface ChangeOrigin {
  initiatingEntity?: InitiatingEntity;
  reasonAdmin?: string;
}

/** A change the user made to their own account (a logout, a password change). */
export const BY_USER: ChangeOrigin = { initiatingEntity: 'user' };

/** A change an admin made: through the admin API, the command line or an import. */
export const BY_ADMIN: ChangeOrigin = { initiatingEntity: 'admin' };

/** The kinds of credential CAEP names that Gatehouse has: a password, TOTP, an RSA key, passkeys. */
export type CredentialType = 'password' | 'app' | 'x509' | 'fido2-platform';

/** What happened to a credential, in CAEP's words. */
export type CredentialChangeType = 'create' | 'revoke' | 'update' | 'delete';

/** The claims of a user's access JWTs that a change of privilege or scope moves. */
export interface ChangedClaims {
  privilege: 'user' | 'admin';
  /** As stored: null is the privilege's default scope. */
  scope: string | null;
}

/**
 * Builds the security events of each cause (their subjects and members, as CAEP 1.0, RISC 1.0 and
 * SSF 1.0 shape them) and records them through the one writer, in the transaction of the change:
 * the stores say what changed, never how a receiver is told.
 */
@Injectable()
export class SecurityEventFacts {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: SecurityEventsService,
  ) {}

  /** One change, in the transaction of `manager`: all its events share one `txn` and instant. */
  change(manager: EntityManager, origin: ChangeOrigin = {}): SecurityChange {
    return new SecurityChange(manager, this.events, this.config, origin, this.clock.now());
  }

  /**
   * Runs `work` as one change: as part of `by` when a caller made it part of a larger change
   * (one transaction, one `txn`), else in a transaction of its own, made by `by`.
   */
  within<T>(
    manager: EntityManager,
    by: ChangeOrigin | SecurityChange,
    work: (change: SecurityChange) => Promise<T>,
  ): Promise<T> {
    if (by instanceof SecurityChange) return work(by);
    return manager.transaction((transaction) => work(this.change(transaction, by)));
  }
}

/**
 * The events of one change as it is made: each method records one, in the change's transaction.
 * `cv`, where a method takes it, is the user's credential version as the change left it, read
 * back in the same transaction: receivers refuse the user's access JWTs whose `cv` is lower.
 */
export class SecurityChange {
  /** The `txn` all the change's events share (RFC 8417): a receiver tells one change by it. */
  readonly txn = randomUUID();

  constructor(
    readonly manager: EntityManager,
    private readonly events: SecurityEventsService,
    private readonly config: AppConfig,
    private readonly origin: ChangeOrigin,
    private readonly at: Date,
  ) {}

  /** One session ended before its time. */
  sessionEnded(userId: number, sid: number): Promise<void> {
    return this.sessionRevoked(userId, this.userSession(userId, String(sid)));
  }

  /** One user token revoked or logged out. */
  userTokenRevoked(userId: number, tokenId: number): Promise<void> {
    return this.sessionRevoked(userId, this.userSession(userId, `user-token:${tokenId}`));
  }

  /** One access JWT revoked by its `jti`; `userId` null when only the jti is known. */
  accessTokenRevoked(userId: number | null, jti: string): Promise<void> {
    return this.sessionRevoked(userId, {
      format: 'jwt_id',
      iss: this.config.jwt.issuer,
      jti,
    });
  }

  /** Every session, user token and access JWT of the user below `cv` at once. */
  allSessionsRevoked(userId: number, cv: number): Promise<void> {
    return this.record(EVENT_TYPES.sessionRevoked, userId, this.user(userId), {
      gatehouse_cv: cv,
    });
  }

  /** A credential of the user added, replaced or removed; `cv` when the change moved it. */
  credentialChanged(
    userId: number,
    credentialType: CredentialType,
    changeType: CredentialChangeType,
    { cv, friendlyName }: { cv?: number; friendlyName?: string } = {},
  ): Promise<void> {
    return this.record(EVENT_TYPES.credentialChange, userId, this.user(userId), {
      credential_type: credentialType,
      change_type: changeType,
      ...(friendlyName !== undefined && { friendly_name: friendlyName }),
      ...(cv !== undefined && { gatehouse_cv: cv }),
    });
  }

  /** The user's privilege or scope changed: the claims their access JWTs now carry. */
  claimsChanged(userId: number, { privilege, scope }: ChangedClaims, cv: number): Promise<void> {
    return this.record(EVENT_TYPES.tokenClaimsChange, userId, this.user(userId), {
      claims: { sub_type: privilege, scope: scope ?? this.config.defaultScopes[privilege] },
      gatehouse_cv: cv,
    });
  }

  accountDisabled(userId: number, cv: number): Promise<void> {
    return this.record(EVENT_TYPES.accountDisabled, userId, this.user(userId), {
      gatehouse_cv: cv,
    });
  }

  accountEnabled(userId: number): Promise<void> {
    return this.record(EVENT_TYPES.accountEnabled, userId, this.user(userId), {});
  }

  /** The user deleted: called before the row goes, while the subject still names them. */
  accountPurged(userId: number): Promise<void> {
    return this.record(EVENT_TYPES.accountPurged, userId, this.user(userId), {});
  }

  private sessionRevoked(userId: number | null, subject: Record<string, unknown>): Promise<void> {
    return this.record(EVENT_TYPES.sessionRevoked, userId, subject, {});
  }

  /** The user as Gatehouse's access JWTs name them (`iss`, `sub`). */
  private user(userId: number): Record<string, unknown> {
    return { format: 'iss_sub', iss: this.config.jwt.issuer, sub: String(userId) };
  }

  /** One of the user's sessions, by an id opaque to receivers. */
  private userSession(userId: number, id: string): Record<string, unknown> {
    return { format: 'complex', user: this.user(userId), session: { format: 'opaque', id } };
  }

  private async record(
    type: EventType,
    userId: number | null,
    subject: Record<string, unknown>,
    members: Record<string, unknown>,
  ): Promise<void> {
    const { initiatingEntity, reasonAdmin } = this.origin;
    const detail: SecurityEventDetail = {
      sub_id: subject,
      txn: this.txn,
      event: {
        event_timestamp: Math.floor(this.at.getTime() / 1000),
        ...(initiatingEntity && { initiating_entity: initiatingEntity }),
        ...(reasonAdmin && { reason_admin: { en: reasonAdmin } }),
        ...members,
      },
    };
    await this.events.record(this.manager, { type, userId, detail });
  }
}
