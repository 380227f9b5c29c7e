import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type {
  SessionSummaryDto,
  UserTokenSummaryDto,
} from '../user-store/dto/credential-summaries.dto.js';
import type { RequestActor } from '../identity/request-actor.decorator.js';
import { actorFields } from '../identity/request-actor.decorator.js';
import { CredentialLifecycleService } from '../identity/credential-lifecycle.service.js';
import { UserCredentialsService } from '../user-store/user-credentials.service.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { Clock } from '../clock/clock.service.js';
import {
  AccessTokensService,
  CLOCK_TOLERANCE_SECONDS,
  numericDate,
} from '../credentials/access-tokens/access-tokens.service.js';
import { User } from '../user-store/entities/user.entity.js';
import { BY_ADMIN } from '../security-events/security-event-facts.js';
import { REST_AUTH_TOKEN_TTL_SECONDS } from '../users/users.controller.js';
import {
  type EndedCredentialsDto,
  JTI_PATTERN,
  type RevokeAccessTokenDto,
  type RevokedAccessTokenDto,
} from './dto/admin-credentials.dto.js';

const ADMIN_API = 'admin';

interface JwtIdentity {
  jti: string;
  sub: number | null;
  expiresAt: Date;
}

/**
 * A user's credentials as an admin sees and ends them (ending them is the credential lifecycle's
 * where it is more than one credential), and access JWTs revoked by jti.
 */
@Injectable()
export class AdminCredentialsService {
  constructor(
    private readonly config: AppConfig,
    private readonly credentials: UserCredentialsService,
    private readonly lifecycle: CredentialLifecycleService,
    private readonly accessTokens: AccessTokensService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async listUserTokens(userId: number): Promise<UserTokenSummaryDto[]> {
    await this.existingUser(userId);
    return this.credentials.listUserTokens(userId);
  }

  async listSessions(userId: number): Promise<SessionSummaryDto[]> {
    await this.existingUser(userId);
    return this.credentials.listSessions(userId);
  }

  async revokeUserToken(actor: RequestActor, tokenId: number): Promise<void> {
    const removed = await this.credentials.removeUserToken(tokenId, BY_ADMIN);
    if (!removed) throw new NotFoundException('No user token has this id');
    await this.audit.record({
      type: 'token.revoke',
      outcome: 'success',
      api: ADMIN_API,
      userId: removed.userId,
      ...actorFields(actor),
      detail: { userTokenId: tokenId },
    });
  }

  async endSession(actor: RequestActor, sid: number): Promise<void> {
    const ended = await this.credentials.endSession(sid, BY_ADMIN);
    if (!ended) throw new NotFoundException('No session has this sid');
    await this.audit.record({
      type: 'session.end',
      outcome: 'success',
      api: ADMIN_API,
      userId: ended.userId,
      ...actorFields(actor),
      detail: { sid },
    });
  }

  /**
   * Ends every credential of a user but the password and the second factor: every user token,
   * session and access JWT, the RSA login key and every passkey.
   */
  endAll(actor: RequestActor, userId: number): Promise<EndedCredentialsDto> {
    return this.lifecycle.endAll(actor, userId);
  }

  /** Removes a user's RSA login key; admins remove keys, they never set one. */
  removeLoginKey(actor: RequestActor, userId: number): Promise<void> {
    return this.lifecycle.removeLoginKeyAsAdmin(actor, userId);
  }

  /** Removes every passkey of a user; admins remove passkeys, they never add one. */
  removePasskeys(actor: RequestActor, userId: number): Promise<number> {
    return this.lifecycle.removePasskeysAsAdmin(actor, userId);
  }

  /**
   * Revokes an access JWT everywhere at once. Given the token, its own `exp` says how long the
   * revocation must be kept; given only the jti, the longest lifetime any access token gets.
   */
  async revokeAccessToken(
    actor: RequestActor,
    dto: RevokeAccessTokenDto,
  ): Promise<RevokedAccessTokenDto> {
    const identity = dto.jti !== undefined ? this.byJti(dto.jti) : this.byToken(dto.token ?? '');
    await this.accessTokens.revoke(identity.jti, identity.expiresAt, {
      userId: identity.sub,
      by: BY_ADMIN,
    });
    await this.audit.record({
      type: 'token.revoke',
      outcome: 'success',
      api: ADMIN_API,
      userId: identity.sub,
      ...actorFields(actor),
      detail: { kind: 'access-jwt', jti: identity.jti },
    });
    return { jti: identity.jti, expiresAt: identity.expiresAt.toISOString() };
  }

  private byJti(jti: string): JwtIdentity {
    const longestTtl = Math.max(this.config.jwt.accessTokenTtl, REST_AUTH_TOKEN_TTL_SECONDS);
    return {
      jti,
      sub: null,
      expiresAt: new Date(this.clock.nowMs() + (longestTtl + CLOCK_TOLERANCE_SECONDS) * 1000),
    };
  }

  /** The jti, subject and expiry a token claims; its signature does not matter for revoking it. */
  private byToken(token: string): JwtIdentity {
    const { jti, sub, exp } = this.accessTokens.unverifiedClaims(token) ?? {};
    if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) {
      throw new BadRequestException('token is not an access JWT with a jti and an exp');
    }
    const expiresAt = numericDate(exp);
    if (!expiresAt) {
      throw new BadRequestException(
        "token's exp must be a whole number of seconds since 1970, before the year 10000",
      );
    }
    const subject = typeof sub === 'string' && /^[1-9][0-9]{0,9}$/.test(sub) ? Number(sub) : null;
    return { jti, sub: subject, expiresAt };
  }

  private async existingUser(id: number): Promise<void> {
    if (!(await this.users.existsBy({ id }))) throw new NotFoundException('No user has this id');
  }
}
