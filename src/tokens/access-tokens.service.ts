import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { hasJwtShape, looksLikeJwt } from '../identity/request-credentials.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import type { EpochSnapshot } from '../liveness/credential-state-cache.js';
import {
  type AccessTokenSubject,
  type Detail,
  LivenessService,
} from '../liveness/liveness.service.js';
import { User } from '../users/entities/user.entity.js';
import { isAccessTokenLive } from '../users/user-status.js';
import { RevokedToken } from './entities/revoked-token.entity.js';
import { kidOf, SigningKeysService } from './signing-keys.service.js';

export const ACCESS_TOKEN_ALGORITHM = 'RS256';
/** Leeway for clocks of other instances and services that disagree by a little. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** Tokens whose signature is remembered as verified, about 1 kB each. */
const VERIFIED_SIGNATURES_KEPT = 10_000;

export interface AccessTokenClaims {
  sub: string;
  sub_type: string;
  iss: string;
  iat: number;
  exp: number;
  scope: string;
  jti: string;
  aud?: string | string[];
  /** The user's credential version at issue; a token issued before the claim existed has none: 0. */
  cv?: number;
}

export interface VerifiedAccessToken {
  user: User;
  claims: AccessTokenClaims;
}

/** What the user of a live token is known by: read with its liveness, and kept with it. */
export type TokenHolder = Pick<User, 'id' | 'username' | 'privilege'>;

/** Claims whose signature has been checked, with the key that checked it. */
interface SignedClaims {
  claims: AccessTokenClaims;
  kid: string;
}

/**
 * Issues access JWTs and is the one place any of them is checked: algorithm pinned to RS256, the
 * `kid` looked up in the key store, the claims checked, not revoked, its key not withdrawn, and
 * the user still enabled at the credential version the token carries.
 */
@Injectable()
export class AccessTokensService {
  /**
   * A token's signature, once verified, stays verified until its key is withdrawn: an entry of a
   * key this instance knows to be withdrawn is forgotten on its next use. Another instance's
   * withdrawal is seen by the check's own read, whatever is kept here. Expiry is checked on each
   * use; revocation, the key's withdrawal and the user's state are read from the database on every
   * check (or kept under the credential epoch, which a withdrawal moves).
   */
  private readonly verifiedSignatures = new LRUCache<string, SignedClaims>({
    max: VERIFIED_SIGNATURES_KEPT,
  });

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    private readonly audit: AuditService,
    @InjectRepository(RevokedToken) private readonly revoked: Repository<RevokedToken>,
    private readonly liveness: LivenessService,
  ) {}

  /** Issues an access JWT for `user` through `api`, recorded as a `token.issue` audit event. */
  async issue(
    user: User,
    api: string,
    ttlSeconds = this.config.jwt.accessTokenTtl,
  ): Promise<string> {
    const signer = await this.keys.signingKey();
    const jti = randomUUID();
    const token = this.jwt.sign(
      {
        sub: String(user.id),
        sub_type: user.privilege,
        scope: this.scopeOf(user),
        cv: user.credentialVersion,
      },
      {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        privateKey: signer.privateKey!,
        keyid: signer.kid,
        issuer: this.config.jwt.issuer,
        expiresIn: ttlSeconds,
        jwtid: jti,
      },
    );
    await this.audit.record({
      type: 'token.issue',
      outcome: 'success',
      api,
      userId: user.id,
      username: user.username,
      detail: { kind: 'access-jwt', jti, expiresIn: ttlSeconds },
    });
    return token;
  }

  /**
   * The verified token and its user, or null for anything that is not a live Gatehouse access
   * token; with `audience`, a token that names audiences must name this one.
   */
  async verify(token: string, audience?: string): Promise<VerifiedAccessToken | null> {
    const signed = await this.verifySignature(token);
    return signed ? this.checkClaims(signed.claims, signed.kid, audience) : null;
  }

  /**
   * What every holder of claims whose signature `kid` checked must still ask: Gatehouse's claims,
   * not revoked, key not withdrawn, user live.
   */
  async checkClaims(
    claims: AccessTokenClaims,
    kid: string,
    audience?: string,
  ): Promise<VerifiedAccessToken | null> {
    if (!isAcceptable(claims, audience)) return null;
    const subject = await this.subjectOf('user', { claims, kid });
    return isLiveSubject(subject, claims) ? { user: subject.user, claims } : null;
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
    const signed = await this.verifySignature(token);
    if (signed === null || !isAcceptable(signed.claims, audience)) return null;
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

  /** Revokes a token everywhere at once; expired revocations are dropped on the way. */
  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.upsert({ jti, expiresAt }, ['jti']);
    await this.purgeExpiredRevocations();
  }

  /** Deletes the revocations of tokens that no longer verify anyway; returns how many. */
  purgeExpiredRevocations(): Promise<number> {
    return deleteInBatches(this.revoked, '"expiresAt" < :verifiableSince', {
      verifiableSince: new Date(Date.now() - CLOCK_TOLERANCE_SECONDS * 1000),
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

  private async verifySignature(token: string): Promise<SignedClaims | null> {
    const remembered = this.verifiedSignatures.get(token);
    if (remembered && !this.keys.isUsable(remembered.kid)) this.verifiedSignatures.delete(token);
    else if (remembered) return isUnexpired(remembered.claims) ? remembered : null;
    if (!hasJwtShape(token)) return null;
    const kid = kidOf(token);
    const key = kid ? await this.keys.verificationKey(kid) : null;
    if (!key) return null;
    try {
      const claims = this.jwt.verify<AccessTokenClaims>(token, {
        publicKey: key.publicKey as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.jwt.issuer,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const signed = { claims, kid: key.kid };
      this.verifiedSignatures.set(token, signed);
      return signed;
    } catch {
      return null;
    }
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

/** The same expiry rule as the verification: `exp` plus the leeway, in whole seconds. */
function isUnexpired(claims: AccessTokenClaims): boolean {
  return Math.floor(Date.now() / 1000) < claims.exp + CLOCK_TOLERANCE_SECONDS;
}

function isAcceptable(claims: AccessTokenClaims, audience: string | undefined): boolean {
  return hasGatehouseClaims(claims) && isForAudience(claims, audience);
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

function hasGatehouseClaims(claims: AccessTokenClaims): boolean {
  return (
    /^[1-9][0-9]{0,9}$/.test(String(claims.sub)) &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp) &&
    typeof claims.jti === 'string' &&
    claims.jti.length <= 64 &&
    (claims.cv === undefined || Number.isSafeInteger(claims.cv))
  );
}

function isForAudience(claims: AccessTokenClaims, audience: string | undefined): boolean {
  if (claims.aud === undefined) return true;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return audience !== undefined && audiences.includes(audience);
}
