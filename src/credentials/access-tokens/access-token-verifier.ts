import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import { kidOf, SigningKeysService } from './signing-keys.service.js';
import { hasJwtShape } from './jwt-shape.js';

export const ACCESS_TOKEN_ALGORITHM = 'RS256';
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

/** Claims whose signature has been checked, with the key that checked it. */
export interface SignedClaims {
  claims: AccessTokenClaims;
  kid: string;
}

/**
 * The one verifier of access JWTs, for every door that takes one: the algorithm pinned to RS256
 * (`none`, and HS256 keyed with the public key, never pass), the key found by `kid` in the key
 * store, the issuer, the claims Gatehouse issues, the audience, and time on the app's one clock:
 * a token is dead from its `exp` second on, with no leeway, and one whose `iat` is more than
 * CLOCK_TOLERANCE_SECONDS ahead is not yet one. What the database holds (revocation, a withdrawn
 * key, the user's state) is AccessTokensService's to read, after this verdict.
 */
@Injectable()
export class AccessTokenVerifier {
  /**
   * A token's signature, once verified, stays verified until its key is withdrawn: an entry of a
   * key this instance knows to be withdrawn is forgotten on its next use. Time and audience are
   * judged on every use, kept or not.
   */
  private readonly verifiedSignatures = new LRUCache<string, SignedClaims>({
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
    return signed !== null &&
      isCurrent(signed.claims, this.clock.nowMs()) &&
      isForAudience(signed.claims, audience)
      ? signed
      : null;
  }

  private async signedClaims(token: string): Promise<SignedClaims | null> {
    const remembered = this.verifiedSignatures.get(token);
    if (remembered && this.keys.isUsable(remembered.kid)) return remembered;
    if (remembered) this.verifiedSignatures.delete(token);
    if (!hasJwtShape(token)) return null;
    const kid = kidOf(token);
    const key = kid ? await this.keys.verificationKey(kid) : null;
    if (!key) return null;
    let claims: AccessTokenClaims;
    try {
      claims = this.jwt.verify<AccessTokenClaims>(token, {
        publicKey: key.publicKey as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.jwt.issuer,
        // Time is judged by isCurrent on every use, on the app's clock, not here once.
        ignoreExpiration: true,
        ignoreNotBefore: true,
      });
    } catch {
      return null;
    }
    if (!hasGatehouseClaims(claims)) return null;
    const signed = { claims, kid: key.kid };
    this.verifiedSignatures.set(token, signed);
    return signed;
  }
}

/** Live from `iat` (up to the tolerance ahead) until the second before `exp`, exactly. */
function isCurrent(claims: AccessTokenClaims, nowMs: number): boolean {
  const now = Math.floor(nowMs / 1000);
  return now < claims.exp && claims.iat <= now + CLOCK_TOLERANCE_SECONDS;
}

/** The claims Gatehouse issues, of the types it issues them; `nbf` it never issues. */
function hasGatehouseClaims(claims: AccessTokenClaims & { nbf?: unknown }): boolean {
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

function isForAudience(claims: AccessTokenClaims, audience: string | undefined): boolean {
  if (claims.aud === undefined) return true;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return audience !== undefined && audiences.includes(audience);
}
