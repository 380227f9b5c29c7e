import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type AuditEventInput, AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import type { EpochSnapshot } from '../liveness/credential-state-cache.js';
import {
  type AccessTokenSubject,
  type Detail,
  LivenessService,
} from '../liveness/liveness.service.js';
import { User } from '../../user-store/entities/user.entity.js';
import { isAccessTokenLive } from '../../user-store/user-status.js';
import {
  ACCESS_TOKEN_ALGORITHM,
  type AccessTokenClaims,
  AccessTokenVerifier,
  CLIENT_TOKEN_TYPE,
  CLOCK_TOLERANCE_SECONDS,
  type ClientTokenClaims,
  type SignedClaims,
} from './access-token-verifier.js';
import { RevokedToken } from './entities/revoked-token.entity.js';
import { SigningKeysService } from './signing-keys.service.js';
import {
  type ChangeOrigin,
  SecurityEventFacts,
} from '../../security-events/security-event-facts.js';
import { looksLikeJwt } from './jwt-shape.js';

// The margin revocations are kept by, for the modules that record them.
export { CLOCK_TOLERANCE_SECONDS };

/** A service client's token, as signed: what its issue is audited and answered with. */
export interface SignedClientToken {
  token: string;
  jti: string;
}

export interface VerifiedAccessToken {
  user: User;
  claims: AccessTokenClaims;
}

/** What the user of a live token is known by: read with its liveness, and kept with it. */
export type TokenHolder = Pick<User, 'id' | 'username' | 'privilege'>;

/**
 * Issues access JWTs, and answers whether one is live: AccessTokenVerifier's verdict on the token
 * itself, then what the database holds (not revoked, its key not withdrawn, the user still enabled
 * at the credential version the token carries), read on every check or kept under the credential
 * epoch, which every change of these moves.
 */
@Injectable()
export class AccessTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    private readonly verifier: AccessTokenVerifier,
    private readonly audit: AuditService,
    @InjectRepository(RevokedToken) private readonly revoked: Repository<RevokedToken>,
    private readonly liveness: LivenessService,
    private readonly clock: Clock,
    private readonly facts: SecurityEventFacts,
  ) {}

  /** Issues an access JWT for `user` through `api`, recorded as a `token.issue` audit event. */
  async issue(
    user: User,
    api: string,
    ttlSeconds = this.config.jwt.accessTokenTtl,
  ): Promise<string> {
    const { token, issued } = await this.sign(user, api, this.clock.now(), ttlSeconds);
    await this.audit.record(issued);
    return token;
  }

  /**
   * An access JWT for `user` through `api`, dated `now` (the instant of the request that earned
   * it), with its `token.issue` audit event for the caller to record together with its own.
   */
  async sign(
    user: User,
    api: string,
    now: Date,
    ttlSeconds = this.config.jwt.accessTokenTtl,
  ): Promise<{ token: string; issued: AuditEventInput }> {
    const signer = await this.keys.signingKey(now);
    const jti = randomUUID();
    // Dated by the app's clock, which every check of it reads too.
    const iat = Math.floor(now.getTime() / 1000);
    const token = this.jwt.sign(
      {
        sub: String(user.id),
        sub_type: user.privilege,
        scope: this.scopeOf(user),
        cv: user.credentialVersion,
        iat,
        exp: iat + ttlSeconds,
      },
      {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        privateKey: signer.privateKey!,
        keyid: signer.kid,
        issuer: this.config.jwt.issuer,
        jwtid: jti,
      },
    );
    const issued: AuditEventInput = {
      type: 'token.issue',
      outcome: 'success',
      api,
      userId: user.id,
      username: user.username,
      detail: { kind: 'access-jwt', jti, expiresIn: ttlSeconds },
      time: now,
    };
    return { token, issued };
  }

  /**
   * A service client's token (RFC 9068, `typ: at+jwt`) for Gatehouse itself, by the key that
   * signs user tokens, so that the key set Gatehouse publishes verifies it too: the client as
   * `sub` and `client_id`, PUBLIC_URL as `aud`, the client's `version` as `cv`, dated `now`.
   */
  async signClientToken(
    { clientId, version, scope }: { clientId: string; version: number; scope: string },
    now: Date,
    ttlSeconds: number,
  ): Promise<SignedClientToken> {
    const signer = await this.keys.signingKey(now);
    const jti = randomUUID();
    const iat = Math.floor(now.getTime() / 1000);
    const token = this.jwt.sign(
      { client_id: clientId, scope, cv: version, iat, exp: iat + ttlSeconds },
      {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        privateKey: signer.privateKey!,
        keyid: signer.kid,
        header: { alg: ACCESS_TOKEN_ALGORITHM, typ: CLIENT_TOKEN_TYPE },
        issuer: this.config.jwt.issuer,
        subject: clientId,
        audience: this.config.publicUrl,
        jwtid: jti,
      },
    );
    return { token, jti };
  }

  /**
   * The claims of a current service client's token, its key not withdrawn (read from the database:
   * another instance may have withdrawn it), else null. Whether its client is still enabled is the
   * service clients' to say.
   */
  async verifyClientToken(token: string): Promise<ClientTokenClaims | null> {
    const signed = await this.verifier.verifyClient(token);
    if (signed === null || !(await this.keys.isLive(signed.kid))) return null;
    return signed.claims;
  }

  /**
   * The live token and its user, or null for anything that is not a live Gatehouse access token;
   * with `audience`, a token that names audiences must name this one.
   */
  async verify(token: string, audience?: string): Promise<VerifiedAccessToken | null> {
    const signed = await this.verifier.verify(token, audience);
    if (signed === null) return null;
    const subject = await this.subjectOf('user', signed);
    return isLiveSubject(subject, signed.claims)
      ? { user: subject.user, claims: signed.claims }
      : null;
  }

  /** Whether `token` is a live access token for `audience`: verify() without reading the user. */
  async isLive(token: string, audience?: string): Promise<boolean> {
    return (await this.holderOf(token, audience)) !== null;
  }

  /**
   * The live token's claims and who holds it, from the same kept answer as isLive: for checks
   * on every request (forward authentication, introspection) that need the holder, not the user.
   * `snapshot`: the epoch this request has read already, if it has.
   */
  async holderOf(
    token: string,
    audience?: string,
    snapshot?: EpochSnapshot,
  ): Promise<{ claims: AccessTokenClaims; user: TokenHolder } | null> {
    const signed = await this.verifier.verify(token, audience);
    if (signed === null) return null;
    const subject = await this.subjectOf('liveness', signed, snapshot);
    return isLiveSubject(subject, signed.claims)
      ? { claims: signed.claims, user: subject.user }
      : null;
  }

  private async subjectOf(
    detail: Detail,
    { claims, kid }: SignedClaims,
    snapshot?: EpochSnapshot,
  ): Promise<AccessTokenSubject | null> {
    const subject = await this.liveness.accessTokenSubject(
      detail,
      Number(claims.sub),
      claims.jti,
      kid,
      snapshot,
    );
    if (subject?.keyWithdrawn) this.keys.forgetWithdrawn(kid);
    return subject;
  }

  /**
   * Revokes a token everywhere at once, telling receivers in the same transaction (of the token's
   * user and who revoked it, as far as the caller knows); expired revocations are dropped on the
   * way.
   */
  async revoke(
    jti: string,
    expiresAt: Date,
    { userId = null, by = {} }: { userId?: number | null; by?: ChangeOrigin } = {},
  ): Promise<void> {
    await this.revoked.manager.transaction(async (manager) => {
      await manager.upsert(RevokedToken, { jti, expiresAt }, ['jti']);
      await this.facts.change(manager, by).accessTokenRevoked(userId, jti);
    });
    await this.purgeExpiredRevocations();
  }

  /**
   * Deletes the revocations of tokens that no longer verify anyway, on any instance: each is kept
   * CLOCK_TOLERANCE_SECONDS past its token's `exp`, for an instance whose clock is behind this
   * one's. Returns how many.
   */
  purgeExpiredRevocations(): Promise<number> {
    return deleteInBatches(this.revoked, '"expiresAt" < :verifiableSince', {
      verifiableSince: new Date(this.clock.nowMs() - CLOCK_TOLERANCE_SECONDS * 1000),
    });
  }

  /** What a token says of itself, its signature unchecked: enough to revoke it, never to trust it. */
  unverifiedClaims(token: string): Record<string, unknown> | null {
    if (!looksLikeJwt(token)) return null;
    const claims: unknown = this.jwt.decode(token);
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : null;
  }

  private scopeOf(user: User): string {
    return user.scope ?? this.config.defaultScopes[user.privilege];
  }
}

/** The latest NumericDate taken from a token: the end of 9999, which every store can hold. */
const LATEST_NUMERIC_DATE = 253_402_300_799;

/**
 * A NumericDate claim of a token whose signature is unchecked (RFC 7519: seconds since 1970) as a
 * Date; null unless it is a whole number of seconds from 1970 to the end of 9999: an `exp` of 1e300
 * is no time at all, and a Date made from it is invalid.
 */
export function numericDate(claim: unknown): Date | null {
  return typeof claim === 'number' &&
    Number.isSafeInteger(claim) &&
    claim >= 0 &&
    claim <= LATEST_NUMERIC_DATE
    ? new Date(claim * 1000)
    : null;
}

function isLiveSubject(
  subject: AccessTokenSubject | null,
  claims: AccessTokenClaims,
): subject is AccessTokenSubject {
  return (
    subject !== null &&
    !subject.revoked &&
    !subject.keyWithdrawn &&
    isAccessTokenLive(subject.user, claims.cv ?? 0)
  );
}
