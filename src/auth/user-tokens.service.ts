import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { hashSecret } from '../common/secret-hash.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import { PreparedRead } from '../database/prepared-read.js';
import { User } from '../users/entities/user.entity.js';
import { CREDENTIAL_LIVENESS_COLUMNS, isCredentialLive } from '../users/user-status.js';
import type { CreateUserTokenDto } from './dto/create-user-token.dto.js';
import type { UserTokenDto } from './dto/user-token-response.dto.js';
import { UserToken } from './entities/user-token.entity.js';
import { Clock } from '../clock/clock.service.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** What isUserTokenLive and recordUsage read of a token. */
const TOKEN_LIVENESS_COLUMNS = ['id', 'enabled', 'expirationTime', 'creationTime', 'lastUsageTime'];
/** `lastUsageTime` is written at most this often per token, so that checks stay reads. */
const USAGE_WRITE_INTERVAL_MS = 60_000;

export interface AuthenticatedUserToken {
  user: User;
  userToken: UserToken;
}

/** The user-token API's long-lived tokens: issued on a Basic login, kept only as SHA-256. */
@Injectable()
export class UserTokensService {
  private readonly tokenWithUser: PreparedRead;
  /** The same, with only what liveness and usage need: for checks that return no user. */
  private readonly tokenLiveness: PreparedRead;

  constructor(
    @InjectRepository(UserToken) private readonly tokens: Repository<UserToken>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    dataSource: DataSource,
  ) {
    const byHash = (selectList: string) =>
      `SELECT ${selectList} FROM "user_token" "token" ` +
      `JOIN "user" "user" ON "user"."id" = "token"."userId" WHERE "token"."tokenHash" = ?`;
    this.tokenWithUser = new PreparedRead(dataSource, (columns) =>
      byHash(`${columns(UserToken, 'token')}, ${columns(User, 'user')}`),
    );
    this.tokenLiveness = new PreparedRead(dataSource, (columns) =>
      byHash(
        `${columns(UserToken, 'token', TOKEN_LIVENESS_COLUMNS)}, ` +
          `${columns(User, 'user', CREDENTIAL_LIVENESS_COLUMNS)}`,
      ),
    );
  }

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
    const userToken = await this.liveToken(this.tokenWithUser, token);
    return userToken ? { user: userToken.user!, userToken } : null;
  }

  /** Whether `token` is live (its use is recorded): authenticate() without reading the user. */
  async isLive(token: string): Promise<boolean> {
    return (await this.liveToken(this.tokenLiveness, token)) !== null;
  }

  private async liveToken(read: PreparedRead, token: string): Promise<UserToken | null> {
    if (!UUID_V4.test(token)) return null;
    const [row] = await read.rows([hashSecret(token.toLowerCase())]);
    if (!row) return null;
    const userToken = read.entity(UserToken, 'token', row);
    userToken.user = read.entity(User, 'user', row);
    if (!isUserTokenLive(userToken, this.clock.nowMs())) return null;
    await this.recordUsage(userToken);
    return userToken;
  }

  /**
   * Deletes the token for good, recorded as a `token.revoke` audit event of `api`, naming the
   * service `client` that revoked it when one did.
   */
  async remove(userToken: UserToken, api: string, client: string | null = null): Promise<void> {
    await this.tokens.delete({ id: userToken.id });
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
