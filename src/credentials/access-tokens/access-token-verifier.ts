import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import { kidOf, SigningKeysService } from './signing-keys.service.js';
import { hasJwtShape } from './jwt-shape.js';

export const ACCESS_TOKEN_ALGORITHM = 'RS256';
/** The `typ` of a service client's token (RFC 9068), which no user's token carries. */
export const CLIENT_TOKEN_TYPE = 'at+jwt';
/**
 * How far the clocks of Gatehouse's instances may disagree: a token's `iat` may be this far ahead
 * of the checking instance's clock, and a revocation is kept this long past its token's `exp`, so
 * that an instance whose clock is behind still finds it. Never a leeway on `exp`.
 */
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

/** What a service client's token (client credentials grant, RFC 9068) says. */
export interface ClientTokenClaims {
  /** The client id, as `client_id` is too. */
  sub: string;
  client_id: string;
  iss: string;
  aud: string | string[];
  iat: number;
  exp: number;
  scope: string;
  jti: string;
  /** The client's version at issue: any change to the client since (a disable, a new secret) ends it. */
  cv: number;
}

/** Claims whose signature has been checked, with the key that checked it. */
export interface SignedClaims<Claims = AccessTokenClaims> {
  claims: Claims;
  kid: string;
}

/** A verified signature, and whose token it is: a user's, or a service client's. */
type Signed =
  ({ holder: 'user' } & SignedClaims) | ({ holder: 'client' } & SignedClaims<ClientTokenClaims>);

/**
 * The one verifier of access JWTs, for every door that takes one: the algorithm pinned to RS256
 * (`none`, and HS256 keyed with the public key, never pass), the key found by `kid` in the key
 * store, the issuer, the claims Gatehouse issues, the audience, and time on the app's one clock:
 * a token is dead from its `exp` second on, with no leeway, and one whose `iat` is more than
 * CLOCK_TOLERANCE_SECONDS ahead is not yet one. What the database holds (revocation, a withdrawn
 * key, the user's state) is AccessTokensService's to read, after this verdict.
 *
 * A service client's token (`typ: at+jwt`) is signed by the same keys, and is told from a user's
 * here, once: verify() never passes one, so no door that takes a user's token takes it, and only
 * verifyClient() does.
 */
@Injectable()
export class AccessTokenVerifier {
  /**
   * A token's signature, once verified, stays verified until its key is withdrawn: an entry of a
   * key this instance knows to be withdrawn is forgotten on its next use. Time and audience are
   * judged on every use, kept or not.
   */
  private readonly verifiedSignatures = new LRUCache<string, Signed>({
    max: VERIFIED_SIGNATURES_KEPT,
  });

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
  ) {}

  /**
   * The claims of `token` and the key that signed it when it is a current Gatehouse access token,
   * else null; with `audience`, a token that names audiences must name this one.
   */
  async verify(token: string, audience?: string): Promise<SignedClaims | null> {
    const signed = await this.signedClaims(token);
    return signed?.holder === 'user' &&
      isCurrent(signed.claims, this.clock.nowMs()) &&
      isForAudience(signed.claims, audience)
      ? { claims: signed.claims, kid: signed.kid }
      : null;
  }

  /**
   * The claims of `token` and the key that signed it when it is a current token of a service
   * client, issued for Gatehouse itself (its `aud` names PUBLIC_URL), else null.
   */
  async verifyClient(token: string): Promise<SignedClaims<ClientTokenClaims> | null> {
    const signed = await this.signedClaims(token);
    return signed?.holder === 'client' &&
      isCurrent(signed.claims, this.clock.nowMs()) &&
      isForAudience(signed.claims, this.config.publicUrl)
      ? { claims: signed.claims, kid: signed.kid }
      : null;
  }

  private async signedClaims(token: string): Promise<Signed | null> {
    const remembered = this.verifiedSignatures.get(token);
    if (remembered && this.keys.isUsable(remembered.kid)) return remembered;
    if (remembered) this.verifiedSignatures.delete(token);
    if (!hasJwtShape(token)) return null;
    const kid = kidOf(token);
    const key = kid ? await this.keys.verificationKey(kid) : null;
    if (!key) return null;
    let verified: { header: { typ?: unknown }; payload: Record<string, unknown> };
    try {
      verified = this.jwt.verify(token, {
        publicKey: key.publicKey as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.jwt.issuer,
        // Time is judged by isCurrent on every use, on the app's clock, not here once.
        ignoreExpiration: true,
        ignoreNotBefore: true,
        complete: true,
      });
    } catch {
      return null;
    }
    const signed = signedBy(verified.header.typ, verified.payload, key.kid);
    if (signed) this.verifiedSignatures.set(token, signed);
    return signed;
  }
}

/** Whose token a verified one is, by its `typ`, when it carries the claims that holder's do. */
function signedBy(typ: unknown, claims: Record<string, unknown>, kid: string): Signed | null {
  if (isClientTokenType(typ)) {
    return hasClientClaims(claims) ? { holder: 'client', claims, kid } : null;
  }
  return hasGatehouseClaims(claims) ? { holder: 'user', claims, kid } : null;
}

/** `at+jwt`, or its media type in full, in any case (RFC 8725 §3.11). */
function isClientTokenType(typ: unknown): boolean {
  return (
    typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === CLIENT_TOKEN_TYPE
  );
}

/** The claims of a client's token, of the types Gatehouse issues them. */
function hasClientClaims(
  claims: Record<string, unknown>,
): claims is ClientTokenClaims & Record<string, unknown> {
  return (
    typeof claims.sub === 'string' &&
    claims.sub.length <= 32 &&
    claims.client_id === claims.sub &&
    typeof claims.scope === 'string' &&
    Number.isSafeInteger(claims.iat) &&
    Number.isSafeInteger(claims.exp) &&
    typeof claims.jti === 'string' &&
    claims.jti.length <= 64 &&
    claims.nbf === undefined &&
    claims.aud !== undefined &&
    Number.isSafeInteger(claims.cv)
  );
}

/** Live from `iat` (up to the tolerance ahead) until the second before `exp`, exactly. */
function isCurrent(claims: { iat: number; exp: number }, nowMs: number): boolean {
  const now = Math.floor(nowMs / 1000);
  return now < claims.exp && claims.iat <= now + CLOCK_TOLERANCE_SECONDS;
}

/** The claims Gatehouse issues, of the types it issues them; `nbf` it never issues. */
function hasGatehouseClaims(
  claims: Record<string, unknown>,
): claims is AccessTokenClaims & Record<string, unknown> {
  return (
    /^[1-9][0-9]{0,9}$/.test(String(claims.sub)) &&
    Number.isSafeInteger(claims.iat) &&
    Number.isSafeInteger(claims.exp) &&
    typeof claims.jti === 'string' &&
    claims.jti.length <= 64 &&
    claims.nbf === undefined &&
    (claims.cv === undefined || Number.isSafeInteger(claims.cv))
  );
}

function isForAudience(claims: { aud?: string | string[] }, audience: string | undefined): boolean {
  if (claims.aud === undefined) return true;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return audience !== undefined && audiences.includes(audience);
}
