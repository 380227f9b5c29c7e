import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Not, Repository } from 'typeorm';
import { type ChangeOrigin, SecurityEventFacts } from '../security-events/security-event-facts.js';
import { UserToken } from './entities/user-token.entity.js';
import { Session } from './entities/session.entity.js';
import type { SessionSummaryDto, UserTokenSummaryDto } from './dto/credential-summaries.dto.js';

/** The credential a caller was authenticated with, so that "my other sessions" can spare it. */
export type CallerCredential =
  | { kind: 'jwt'; jti: string }
  | { kind: 'user-token'; id: number }
  | { kind: 'session'; id: number };

export interface EndedCredentials {
  userTokens: number;
  sessions: number;
}

/** The credential a self-service password change came with, and the time of the change. */
export interface KeptCredential {
  credential: CallerCredential;
  changedAt: Date;
}

/** A user's stored credentials (user tokens and sessions) as an owner or an admin manages them. */
@Injectable()
export class UserCredentialsService {
  constructor(
    @InjectRepository(UserToken) private readonly tokens: Repository<UserToken>,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    private readonly facts: SecurityEventFacts,
  ) {}

  async listUserTokens(userId: number): Promise<UserTokenSummaryDto[]> {
    const tokens = await this.tokens.find({ where: { userId }, order: { id: 'ASC' } });
    return tokens.map(toUserTokenSummary);
  }

  async listSessions(userId: number): Promise<SessionSummaryDto[]> {
    const sessions = await this.sessions.find({ where: { userId }, order: { id: 'ASC' } });
    return sessions.map(toSessionSummary);
  }

  /**
   * Deletes a user token (of `ownerId` only, when given), telling receivers; the deleted one, or
   * null when there was none.
   */
  removeUserToken(id: number, by: ChangeOrigin, ownerId?: number): Promise<UserToken | null> {
    return this.tokens.manager.transaction(async (manager) => {
      const token = await deleteOwned(manager, UserToken, id, ownerId);
      if (token) await this.facts.change(manager, by).userTokenRevoked(token.userId, token.id);
      return token;
    });
  }

  /**
   * Ends a session (of `ownerId` only, when given), telling receivers; the ended one, or null when
   * there was none.
   */
  endSession(id: number, by: ChangeOrigin, ownerId?: number): Promise<Session | null> {
    return this.sessions.manager.transaction(async (manager) => {
      const session = await deleteOwned(manager, Session, id, ownerId);
      if (session) await this.facts.change(manager, by).sessionEnded(session.userId, session.id);
      return session;
    });
  }

  /**
   * Ends every session of a user but `keptSid` (the caller's own, when it is one), telling
   * receivers of each; how many ended.
   */
  endOtherSessions(userId: number, by: ChangeOrigin, keptSid?: number): Promise<number> {
    return this.sessions.manager.transaction(async (manager) => {
      const ending = await manager.find(Session, {
        select: { id: true },
        where: { userId, ...(keptSid !== undefined && { id: Not(keptSid) }) },
      });
      if (ending.length === 0) return 0;
      const ids = ending.map((session) => session.id);
      const { affected } = await manager.delete(Session, { userId, id: In(ids) });
      const change = this.facts.change(manager, by);
      for (const id of ids) await change.sessionEnded(userId, id);
      return affected ?? 0;
    });
  }

  /**
   * Deletes every user token and session of a user, inside the caller's transaction, but for
   * `keep`: the credential a self-service password change came with, whose caller has just proved
   * the password, so that the credentials-changed rule (isCredentialLive) spares it. A kept user
   * token is dated at the change as if issued then; a kept session is marked as used at the
   * change, its start left as it was so that its absolute timeout runs on.
   */
  async endAll(
    manager: EntityManager,
    userId: number,
    keep?: KeptCredential,
  ): Promise<EndedCredentials> {
    if (keep) await dateAtChange(manager, userId, keep);
    const kept = keep?.credential;
    const tokens = await manager.delete(UserToken, {
      userId,
      ...(kept?.kind === 'user-token' && { id: Not(kept.id) }),
    });
    const sessions = await manager.delete(Session, {
      userId,
      ...(kept?.kind === 'session' && { id: Not(kept.id) }),
    });
    return { userTokens: tokens.affected ?? 0, sessions: sessions.affected ?? 0 };
  }
}

async function dateAtChange(
  manager: EntityManager,
  userId: number,
  { credential, changedAt }: KeptCredential,
): Promise<void> {
  if (credential.kind === 'session') {
    await manager.update(Session, { id: credential.id, userId }, { lastSeenAt: changedAt });
  } else if (credential.kind === 'user-token') {
    await manager.update(UserToken, { id: credential.id, userId }, { creationTime: changedAt });
  }
}

function toUserTokenSummary(token: UserToken): UserTokenSummaryDto {
  return {
    id: token.id,
    note: token.note,
    creationTime: token.creationTime.toISOString(),
    lastUsageTime: token.lastUsageTime?.toISOString() ?? null,
    expirationTime: token.expirationTime?.toISOString() ?? null,
    enabled: token.enabled,
    version: token.version,
  };
}

function toSessionSummary(session: Session): SessionSummaryDto {
  return {
    sid: session.id,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    clientAddress: session.clientAddress,
    userAgent: session.userAgent,
  };
}

/** Deletes the row `id` (of `ownerId` only, when given); the deleted row, or null when there was none. */
async function deleteOwned<T extends typeof UserToken | typeof Session>(
  manager: EntityManager,
  entity: T,
  id: number,
  ownerId?: number,
): Promise<InstanceType<T> | null> {
  const where = { id, ...(ownerId !== undefined && { userId: ownerId }) };
  const row = (await manager.findOneBy(entity, where)) as InstanceType<T> | null;
  if (!row) return null;
  const { affected } = await manager.delete(entity, { id });
  return affected ? row : null;
}
