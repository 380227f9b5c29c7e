import { Injectable } from '@nestjs/common';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { AppConfig } from '../config/app-config.js';
import { MetricsService, type TokenKind } from '../metrics/metrics.service.js';
import { type PresentedCredential, presentedToken } from './request-credentials.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { Privilege, User } from '../user-store/entities/user.entity.js';
import type { CallerCredential } from '../user-store/user-credentials.service.js';
import type { EpochSnapshot } from '../credentials/liveness/credential-state-cache.js';

export type CheckedKind = Exclude<TokenKind, 'other'>;

/** The caller of an administration or self-service route: the user as stored now, and how. */
export interface Caller {
  user: User;
  credential: CallerCredential;
}

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
 * The one check of a token or session: is this a live credential Gatehouse issued (for this
 * service)? Access JWTs, user tokens and sessions alike, each parsed once into a
 * PresentedCredential and judged by its own store's service, so revocation, a disabled user, a
 * password change and expiry count everywhere alike: for other services (the Security API's
 * check, introspection, forward authentication) and for the callers of Gatehouse's own
 * administration and self-service routes.
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
    const credential = presentedToken(token);
    const valid = await this.isLive(credential, service);
    this.metrics.countTokenCheck(credential.kind, valid, service);
    return valid;
  }

  private async isLive(credential: PresentedCredential, service: string): Promise<boolean> {
    if (credential.kind === 'access-jwt')
      return this.accessTokens.isLive(credential.token, service);
    if (credential.kind === 'user-token') return this.userTokens.isLive(credential.token);
    return (await this.identityOf(credential, service)) !== null;
  }

  /**
   * The identity behind `token` when it is live (for `service`, when an access JWT names
   * audiences), else null: the one check with its answer, for introspection and forward
   * authentication. Counted like isValid. `snapshot`: the epoch this request has read already.
   */
  identify(
    token: string,
    service: string,
    snapshot?: EpochSnapshot,
  ): Promise<CheckedIdentity | null> {
    return this.identifyPresented(presentedToken(token), service, snapshot);
  }

  /** identify() for a credential the caller has parsed already (forward auth's session). */
  async identifyPresented(
    credential: PresentedCredential,
    service: string,
    snapshot?: EpochSnapshot,
  ): Promise<CheckedIdentity | null> {
    const identity = await this.identityOf(credential, service, snapshot);
    this.metrics.countTokenCheck(credential.kind, identity !== null, service);
    return identity;
  }

  private async identityOf(
    credential: PresentedCredential,
    service: string,
    snapshot?: EpochSnapshot,
  ): Promise<CheckedIdentity | null> {
    switch (credential.kind) {
      case 'access-jwt': {
        // The kept answer isLive reads: a check on every proxied request reads no user row.
        const live = await this.accessTokens.holderOf(credential.token, service, snapshot);
        if (!live) return null;
        const { claims, user } = live;
        const aud = claims.aud === undefined ? null : [claims.aud].flat();
        return {
          userId: user.id,
          username: user.username,
          privilege: user.privilege,
          kind: credential.kind,
          scope: claims.scope,
          iat: claims.iat,
          exp: claims.exp,
          audience: aud,
        };
      }
      case 'user-token': {
        const live = await this.userTokens.authenticate(credential.token);
        if (!live) return null;
        const { expirationTime, creationTime } = live.userToken;
        return {
          ...this.userFields(live.user),
          kind: credential.kind,
          iat: seconds(creationTime),
          exp: expirationTime ? seconds(expirationTime) : null,
          audience: null,
        };
      }
      case 'session': {
        const live = await this.sessions.authenticate(credential.session, 'liveness');
        if (!live) return null;
        return {
          ...this.userFields(live.user),
          kind: credential.kind,
          iat: seconds(live.session.createdAt),
          exp: seconds(live.endsAt),
          audience: null,
        };
      }
      default:
        return null;
    }
  }

  /**
   * The caller behind `credential` when it is live, with the user as stored now (a demoted admin
   * stops at once), else null: who calls an administration or self-service route, or a REST-auth
   * route with an access JWT as the username. A user token only where `userToken` allows it (they
   * live for months and are meant for machines, not administration). An access JWT here names no
   * service. A caller is no check another service made, so it is not counted.
   */
  async caller(
    credential: PresentedCredential,
    { userToken }: { userToken: boolean },
  ): Promise<Caller | null> {
    switch (credential.kind) {
      case 'access-jwt': {
        const verified = await this.accessTokens.verify(credential.token);
        return (
          verified && { user: verified.user, credential: { kind: 'jwt', jti: verified.claims.jti } }
        );
      }
      case 'user-token': {
        if (!userToken) return null;
        const live = await this.userTokens.authenticate(credential.token);
        return (
          live && { user: live.user, credential: { kind: 'user-token', id: live.userToken.id } }
        );
      }
      case 'session': {
        const live = await this.sessions.authenticate(credential.session);
        return live && { user: live.user, credential: { kind: 'session', id: live.session.id } };
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
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
