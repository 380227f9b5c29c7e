import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, type FindOptionsWhere, Not, Repository } from 'typeorm';
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
  ) {}

  async listUserTokens(userId: number): Promise<UserTokenSummaryDto[]> {
    const tokens = await this.tokens.find({ where: { userId }, order: { id: 'ASC' } });
    return tokens.map(toUserTokenSummary);
  }

  async listSessions(userId: number): Promise<SessionSummaryDto[]> {
    const sessions = await this.sessions.find({ where: { userId }, order: { id: 'ASC' } });
    return sessions.map(toSessionSummary);
  }

  /** Deletes a user token (of `ownerId` only, when given); the deleted one, or null when there was none. */
  removeUserToken(id: number, ownerId?: number): Promise<UserToken | null> {
    return deleteOwned(this.tokens, id, ownerId);
  }

  /** Ends a session (of `ownerId` only, when given); the ended one, or null when there was none. */
  endSession(id: number, ownerId?: number): Promise<Session | null> {
    return deleteOwned(this.sessions, id, ownerId);
  }

  /** Ends every session of a user but `keptSid` (the caller's own, when it is one); how many ended. */
  async endOtherSessions(userId: number, keptSid?: number): Promise<number> {
    const { affected } = await this.sessions.delete({
      userId,
      ...(keptSid !== undefined && { id: Not(keptSid) }),
    });
    return affected ?? 0;
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
async function deleteOwned<T extends { id: number; userId: number }>(
  repository: Repository<T>,
  id: number,
  ownerId?: number,
): Promise<T | null> {
  const where = { id, ...(ownerId !== undefined && { userId: ownerId }) } as FindOptionsWhere<T>;
  const row = await repository.findOneBy(where);
  if (!row) return null;
  const { affected } = await repository.delete({ id } as FindOptionsWhere<T>);
  return affected ? row : null;
}
