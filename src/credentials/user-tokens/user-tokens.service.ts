import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { hashSecret } from '../../common/secret-hash.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import { type Detail, LivenessService } from '../liveness/liveness.service.js';
import { User } from '../../user-store/entities/user.entity.js';
import { isCredentialLive } from '../../user-store/user-status.js';
import type { CreateUserTokenDto } from '../../auth/dto/create-user-token.dto.js';
import type { UserTokenDto } from '../../auth/dto/user-token-response.dto.js';
import { UserToken } from '../../user-store/entities/user-token.entity.js';
import { Clock } from '../../clock/clock.service.js';
import { BY_USER, SecurityEventFacts } from '../../security-events/security-event-facts.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** `lastUsageTime` is written at most this often per token, so that checks stay reads. */
const USAGE_WRITE_INTERVAL_MS = 60_000;

export interface AuthenticatedUserToken {
  user: User;
  userToken: UserToken;
}

/** The user-token API's long-lived tokens: issued on a Basic login, kept only as SHA-256. */
@Injectable()
export class UserTokensService {
  constructor(
    @InjectRepository(UserToken) private readonly tokens: Repository<UserToken>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly liveness: LivenessService,
    private readonly facts: SecurityEventFacts,
  ) {}

  async issue(user: User, dto: CreateUserTokenDto): Promise<UserTokenDto> {
    const expirationTime = dto.expirationTime ? new Date(dto.expirationTime) : null;
    if (expirationTime && !(expirationTime.getTime() > this.clock.nowMs())) {
      throw new BadRequestException('expirationTime must be in the future');
    }
    const token = randomUUID();
    const userToken = await this.tokens.save(
      this.tokens.create({
        tokenHash: hashSecret(token),
        userId: user.id,
        note: dto.note ?? null,
        enabled: true,
        expirationTime,
        creationTime: this.clock.now(),
        lastUsageTime: null,
        version: 0,
      }),
    );
    await this.audit.record({
      type: 'token.issue',
      outcome: 'success',
      api: 'user-token',
      userId: user.id,
      username: user.username,
      detail: { kind: 'user-token', tokenId: userToken.id },
    });
    return toUserTokenDto(userToken, token);
  }

  /** The live token and its user, or null for an unknown, expired, disabled or logged-out token. */
  async authenticate(token: string): Promise<AuthenticatedUserToken | null> {
    const userToken = await this.liveToken('user', token);
    return userToken ? { user: userToken.user!, userToken } : null;
  }

  /** Whether `token` is live (its use is recorded): authenticate() without reading the user. */
  async isLive(token: string): Promise<boolean> {
    return (await this.liveToken('liveness', token)) !== null;
  }

  private async liveToken(detail: Detail, token: string): Promise<UserToken | null> {
    if (!UUID_V4.test(token)) return null;
    const userToken = await this.liveness.userToken(detail, hashSecret(token.toLowerCase()));
    if (!userToken || !isUserTokenLive(userToken, this.clock.nowMs())) return null;
    await this.recordUsage(userToken);
    return userToken;
  }

  /**
   * Deletes the token for good, telling receivers in the same transaction (the user ended it
   * when no service `client` did), recorded as a `token.revoke` audit event of `api`, naming the
   * service `client` that revoked it when one did.
   */
  async remove(userToken: UserToken, api: string, client: string | null = null): Promise<void> {
    await this.tokens.manager.transaction(async (manager) => {
      const { affected } = await manager.delete(UserToken, { id: userToken.id });
      if (!affected) return;
      await this.facts
        .change(manager, client === null ? BY_USER : {})
        .userTokenRevoked(userToken.userId, userToken.id);
    });
    await this.audit.record({
      type: 'token.revoke',
      outcome: 'success',
      api,
      userId: userToken.userId,
      detail: { kind: 'user-token', tokenId: userToken.id, ...(client !== null && { client }) },
    });
  }

  /** Deletes the tokens past their expirationTime; returns how many. */
  purgeExpired(): Promise<number> {
    return deleteInBatches(this.tokens, '"expirationTime" <= :now', { now: this.clock.now() });
  }

  private async recordUsage(userToken: UserToken): Promise<void> {
    const now = this.clock.now();
    if (
      userToken.lastUsageTime &&
      now.getTime() - userToken.lastUsageTime.getTime() < USAGE_WRITE_INTERVAL_MS
    ) {
      return;
    }
    userToken.lastUsageTime = now;
    await this.tokens.update({ id: userToken.id }, { lastUsageTime: now });
  }
}

function isUserTokenLive(userToken: UserToken, nowMs: number): boolean {
  const expired = userToken.expirationTime !== null && userToken.expirationTime.getTime() <= nowMs;
  return (
    userToken.enabled &&
    !expired &&
    isCredentialLive(userToken.user ?? null, userToken.creationTime)
  );
}

/** The UserToken of the document; the value itself only when it has just been issued. */
function toUserTokenDto(userToken: UserToken, token?: string): UserTokenDto {
  return {
    ...(userToken.note !== null && { note: userToken.note }),
    ...(userToken.expirationTime && { expirationTime: userToken.expirationTime.toISOString() }),
    creationTime: userToken.creationTime.toISOString(),
    ...(userToken.lastUsageTime && { lastUsageTime: userToken.lastUsageTime.toISOString() }),
    enabled: userToken.enabled,
    ...(token && { token }),
    version: userToken.version,
  };
}
