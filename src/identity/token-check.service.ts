import { Injectable } from '@nestjs/common';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService, type TokenKind } from '../metrics/metrics.service.js';
import { sessionFromSidWithSecret } from './request-credentials.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { Privilege, User } from '../user-store/entities/user.entity.js';
import type { EpochSnapshot } from '../credentials/liveness/credential-state-cache.js';
import { looksLikeJwt } from '../credentials/access-tokens/jwt-shape.js';

/** Longer than any token Gatehouse issues; anything longer is refused without parsing. */
const MAX_TOKEN_LENGTH = 8_192;

export type CheckedKind = Exclude<TokenKind, 'other'>;

/** Who a live credential stands for, as the check found it: what introspection and proxies tell. */
export interface CheckedIdentity {
  kind: CheckedKind;
  userId: number;
  username: string;
  privilege: Privilege;
  /** Space-separated: the JWT's `scope` claim, or the user's scope for the other kinds. */
  scope: string;
  /** Issued at, seconds since 1970. */
  iat: number;
  /** Seconds since 1970 when the credential ends by itself; null for a user token without one. */
  exp: number | null;
  /** The audiences an access JWT names, if any (only a JWT can name one). */
  audience: string[] | null;
}

/**
 * The check other services make on every request: is this a live credential Gatehouse issued,
 * for this service? Access JWTs, user tokens and sessions (the sid followed by its secret) alike;
 * anything else is simply not valid. Each kind is judged by its own service, the same one every
 * API uses, so revocation, a disabled user, a password change and expiry count everywhere alike.
 */
@Injectable()
export class TokenCheckService {
  constructor(
    private readonly config: AppConfig,
    private readonly accessTokens: AccessTokensService,
    private readonly userTokens: UserTokensService,
    private readonly sessions: SessionsService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Whether `token` is live, for the Security API: access JWTs and user tokens take the liveness
   * paths that read only what deciding takes, not the whole user, which is all a yes or no needs.
   * Counted for /metrics by kind and outcome; a check, not an event, so never audited.
   */
  async isValid(token: string, service: string): Promise<boolean> {
    const kind = this.kindOf(token);
    const valid = await this.isLive(kind, token, service);
    this.metrics.countTokenCheck(kind, valid, service);
    return valid;
  }

  private async isLive(kind: TokenKind, token: string, service: string): Promise<boolean> {
    if (kind === 'access-jwt') return this.accessTokens.isLive(token, service);
    if (kind === 'user-token') return this.userTokens.isLive(token);
    return (await this.identityOf(kind, token, service)) !== null;
  }

  /**
   * The identity behind `token` when it is live (for `service`, when an access JWT names
   * audiences), else null: the one check with its answer, for introspection and forward
   * authentication. Counted like isValid. `snapshot`: the epoch this request has read already.
   */
  async identify(
    token: string,
    service: string,
    snapshot?: EpochSnapshot,
  ): Promise<CheckedIdentity | null> {
    const kind = this.kindOf(token);
    const identity = await this.identityOf(kind, token, service, snapshot);
    this.metrics.countTokenCheck(kind, identity !== null, service);
    return identity;
  }

  private async identityOf(
    kind: TokenKind,
    token: string,
    service: string,
    snapshot?: EpochSnapshot,
  ): Promise<CheckedIdentity | null> {
    switch (kind) {
      case 'access-jwt': {
        // The kept answer isLive reads: a check on every proxied request reads no user row.
        const live = await this.accessTokens.holderOf(token, service, snapshot);
        if (!live) return null;
        const { claims, user } = live;
        const aud = claims.aud === undefined ? null : [claims.aud].flat();
        return {
          userId: user.id,
          username: user.username,
          privilege: user.privilege,
          kind,
          scope: claims.scope,
          iat: claims.iat,
          exp: claims.exp,
          audience: aud,
        };
      }
      case 'user-token': {
        const live = await this.userTokens.authenticate(token);
        if (!live) return null;
        const { expirationTime, creationTime } = live.userToken;
        return {
          ...this.userFields(live.user),
          kind,
          iat: seconds(creationTime),
          exp: expirationTime ? seconds(expirationTime) : null,
          audience: null,
        };
      }
      case 'session': {
        const credential = sessionFromSidWithSecret(token);
        const live = credential && (await this.sessions.authenticate(credential));
        if (!live) return null;
        return {
          ...this.userFields(live.user),
          kind,
          iat: seconds(live.session.createdAt),
          exp: seconds(this.sessions.endsAt(live.session)),
          audience: null,
        };
      }
      default:
        return null;
    }
  }

  private userFields(
    user: User,
  ): Pick<CheckedIdentity, 'userId' | 'username' | 'privilege' | 'scope'> {
    return {
      userId: user.id,
      username: user.username,
      privilege: user.privilege,
      scope: user.scope ?? this.config.defaultScopes[user.privilege],
    };
  }

  private kindOf(token: string): TokenKind {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return 'other';
    if (looksLikeJwt(token)) return 'access-jwt';
    return sessionFromSidWithSecret(token) ? 'session' : 'user-token';
  }
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
