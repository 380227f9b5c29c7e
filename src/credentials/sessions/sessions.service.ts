import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { hashSecret, secretMatches } from '../../common/secret-hash.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import type { EpochSnapshot } from '../liveness/credential-state-cache.js';
import { type Detail, LivenessService } from '../liveness/liveness.service.js';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import type { SessionCredential } from '../../identity/request-credentials.js';
import { Group } from '../../user-store/entities/group.entity.js';
import { User } from '../../user-store/entities/user.entity.js';
import { isCredentialLive } from '../../user-store/user-status.js';
import type { GroupDto, SessionUserDto } from '../../sessions/dto/session-responses.dto.js';
import { Session } from '../../user-store/entities/session.entity.js';
import { credentialVersionOf } from '../../user-store/users.service.js';
import { BY_USER, SecurityEventFacts } from '../../security-events/security-event-facts.js';

/** `lastSeenAt` is written at most this often, so that validating stays a read. */
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;

/** A new session secret: 256 random bits as 64 lowercase hex characters, as validate reads it. */
export function newSessionSecret(): string {
  return randomBytes(32).toString('hex');
}

export interface LiveSession {
  session: Session;
  user: User;
  /** The credential epoch as the session was read: what the request reads next is kept under it. */
  snapshot: EpochSnapshot;
  /** When the session ends if it is not used again (endsAt), as of this use. */
  endsAt: Date;
}

export interface SessionClient {
  address: string | null;
  userAgent: string | null;
}

/** Sessions of the session API: a numeric sid and a 256-bit secret kept only as SHA-256. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly audit: AuditService,
    private readonly liveness: LivenessService,
    private readonly facts: SecurityEventFacts,
  ) {}

  /**
   * A new session of `user`, with its secret. `passkeySignIn`: the login that opens it was a
   * passkey's (the portal's), recorded as the session's passkeyVerifiedAt, which lets this
   * browser add another passkey within a few minutes without the password.
   */
  async start(
    user: User,
    client: SessionClient,
    { passkeySignIn = false }: { passkeySignIn?: boolean } = {},
  ): Promise<{ session: Session; secret: string }> {
    const secret = newSessionSecret();
    const now = this.clock.now();
    const session = await this.sessions.save(
      this.sessions.create({
        secretHash: hashSecret(secret),
        userId: user.id,
        createdAt: now,
        lastSeenAt: now,
        clientAddress: client.address?.slice(0, 64) ?? null,
        userAgent: client.userAgent?.slice(0, 512) ?? null,
        passkeyVerifiedAt: passkeySignIn ? now : null,
      }),
    );
    return { session, secret };
  }

  /**
   * A session for `user` after a successful login: the one named by `reuse` when it is live and
   * theirs (no new secret then), otherwise a new one with its secret.
   */
  async open(
    user: User,
    client: SessionClient,
    reuse: SessionCredential | null,
  ): Promise<{ session: Session; secret: string | null }> {
    const existing = reuse && (await this.authenticate(reuse));
    if (existing && existing.user.id === user.id)
      return { session: existing.session, secret: null };
    return this.start(user, client);
  }

  /**
   * The live session with this sid and secret, or null; its last use is recorded. `liveness`
   * reads only what deciding takes and who the holder is (username, privilege, scope), for the
   * checks that answer no more; `user` the whole user, for the routes that answer with it.
   */
  async authenticate(
    credential: SessionCredential,
    detail: Detail = 'user',
  ): Promise<LiveSession | null> {
    const read = await this.liveness.session(detail, credential.sid);
    if (!read) return null;
    const { session, snapshot } = read;
    if (!secretMatches(credential.secret, session.secretHash)) return null;
    // One instant judges the session and dates its use.
    const now = this.clock.now();
    if (!this.isLive(session, now)) return null;
    await this.recordUse(session, now);
    return { session, user: session.user!, snapshot, endsAt: this.endsAt(session) };
  }

  /**
   * Ends this session, or every session of its user, telling receivers in the same transaction;
   * recorded as a `session.end` audit event.
   */
  async end(session: Session, allSessions: boolean): Promise<void> {
    const affected = await this.sessions.manager.transaction(async (manager) => {
      const change = this.facts.change(manager, BY_USER);
      const { userId } = session;
      const ended = await manager.delete(Session, allSessions ? { userId } : { id: session.id });
      if (allSessions) {
        await change.allSessionsRevoked(userId, await credentialVersionOf(manager, userId));
      } else if (ended.affected) {
        await change.sessionEnded(userId, session.id);
      }
      return ended.affected;
    });
    await this.audit.record({
      type: 'session.end',
      outcome: 'success',
      api: 'session',
      userId: session.userId,
      detail: { sid: session.id, allSessions, ended: affected ?? null },
    });
  }

  /** The session API's User: profile and groups (each with its subtree), never the password. */
  async describeUser(user: User, snapshot?: EpochSnapshot): Promise<SessionUserDto> {
    return {
      id: user.id,
      firstName: user.firstName,
      lastName: user.lastName,
      description: user.description,
      email: user.email,
      groups: await this.groupTreesOf(user.id, snapshot),
      login: user.username,
    };
  }

  private async groupTreesOf(userId: number, snapshot?: EpochSnapshot): Promise<GroupDto[]> {
    const { memberOf, reached } = await this.liveness.groupsOf(userId, snapshot);
    return groupTrees(memberOf, reached);
  }

  /** Deletes the sessions past their idle or absolute timeout (see endsAt); returns how many. */
  async purgeExpired(): Promise<number> {
    const { lastSeenBefore, createdBefore } = this.endedCutoffs(this.clock.nowMs());
    return deleteInBatches(
      this.sessions,
      '"lastSeenAt" < :lastSeenBefore OR "createdAt" < :createdBefore',
      { lastSeenBefore: new Date(lastSeenBefore), createdBefore: new Date(createdBefore) },
    );
  }

  /**
   * When a session ends if it is not used again: its idle timeout after its last use, or its
   * absolute timeout after its start, whichever comes first. The one rule of a session's end:
   * what validates it, what a token check answers as its `exp`, and what the purge deletes.
   */
  private endsAt(session: Pick<Session, 'createdAt' | 'lastSeenAt'>): Date {
    const { idleTimeoutMs, absoluteTimeoutMs } = this.config.sessions;
    return new Date(
      Math.min(
        session.lastSeenAt.getTime() + idleTimeoutMs,
        session.createdAt.getTime() + absoluteTimeoutMs,
      ),
    );
  }

  /**
   * Live: not past its end, and its user enabled with no password change since it was last
   * proved. A password change deletes the user's other sessions in its transaction and marks
   * the one it keeps as used at the change; a session that escaped the deletion (opened while
   * the change ran) was never used since, and ends here. The kept one keeps its start, so that
   * its absolute timeout runs on.
   */
  private isLive(session: Session, now: Date): boolean {
    return (
      now.getTime() <= this.endsAt(session).getTime() &&
      isCredentialLive(session.user ?? null, session.lastSeenAt)
    );
  }

  /**
   * endsAt as the purge's statement asks it: a session has ended at `now` when its last use is
   * before the first cutoff or its start before the second.
   */
  private endedCutoffs(now: number): { lastSeenBefore: number; createdBefore: number } {
    const { idleTimeoutMs, absoluteTimeoutMs } = this.config.sessions;
    return { lastSeenBefore: now - idleTimeoutMs, createdBefore: now - absoluteTimeoutMs };
  }

  private async recordUse(session: Session, now: Date): Promise<void> {
    const interval = Math.min(LAST_SEEN_WRITE_INTERVAL_MS, this.config.sessions.idleTimeoutMs / 4);
    if (now.getTime() - session.lastSeenAt.getTime() < interval) return;
    session.lastSeenAt = now;
    await this.sessions.update({ id: session.id }, { lastSeenAt: now });
  }
}

/**
 * Each of `roots` with its subtree, built from `reached`, which holds every group below them. A
 * group is never its own descendant, even if the stored tree were to hold a cycle.
 */
function groupTrees(roots: Group[], reached: Group[]): GroupDto[] {
  const childrenOf = new Map<number, Map<number, Group>>();
  for (const group of reached) {
    if (group.parentId === null) continue;
    const children = childrenOf.get(group.parentId) ?? new Map<number, Group>();
    childrenOf.set(group.parentId, children.set(group.id, group));
  }
  const subtree = (group: Group, above: ReadonlySet<number>): GroupDto => {
    const path = new Set(above).add(group.id);
    return {
      id: group.id,
      name: group.name,
      description: group.description,
      children: [...(childrenOf.get(group.id)?.values() ?? [])]
        .filter((child) => !path.has(child.id))
        .sort((a, b) => a.id - b.id)
        .map((child) => subtree(child, path)),
    };
  };
  return [...roots].sort((a, b) => a.id - b.id).map((root) => subtree(root, new Set()));
}
