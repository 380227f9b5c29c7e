// A service's half of Gatehouse's shared signals: it checks Gatehouse's access JWTs locally,
// against the published JWKS and nothing else on the request path, and refuses the ones that its
// stream of Security Event Tokens (SSF 1.0) has revoked since they were issued. Copy this file.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type';
const RISC = 'https://schemas.openid.net/secevent/risc/event-type';
const SESSION_REVOKED = `${CAEP}/session-revoked`;
const ACCOUNT_DISABLED = `${RISC}/account-disabled`;
const ACCOUNT_ENABLED = `${RISC}/account-enabled`;
const ACCOUNT_PURGED = `${RISC}/account-purged`;
/**
 * How long a token whose signature verified is taken without verifying it again: as long as jose
 * keeps the key set (its `cacheMaxAge`), so that a key Gatehouse withdraws is trusted no longer
 * than the cached key set would trust it anyway.
 */
const VERIFIED_KEPT_MS = 10 * 60 * 1000;
const VERIFIED_KEPT_MAX = 10_000;

/**
 * @param {{ issuer: string, jwksUrl: string, audience: string, tokenLifetimeSeconds?: number }} options
 *   `issuer` is Gatehouse's JWT_ISSUER, `jwksUrl` its `/.well-known/jwks.json`, `audience` this
 *   receiver's client id (the `aud` of the SETs its stream carries), `tokenLifetimeSeconds` its
 *   ACCESS_TOKEN_TTL: how long a revoked `jti` must be remembered.
 */
export function createReceiver({ issuer, jwksUrl, audience, tokenLifetimeSeconds = 86400 }) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  /** The lowest credential version still valid, by user (`sub`): older tokens were revoked. */
  const validFromVersion = new Map();
  /** Access JWTs revoked one by one, by `jti`, with their `exp` so that the map can be pruned. */
  const revokedJtis = new Map();
  /** Users whose account is disabled or deleted: none of their tokens passes. */
  const closedAccounts = new Set();
  /** Tokens already verified, with their claims: a service sees the same token again and again. */
  const verified = new Map();

  /**
   * The claims of a live access JWT, or null: signature, issuer and expiry checked locally, then
   * what the stream said since.
   * @param {string} token
   */
  async function checkAccessToken(token) {
    const claims = await verifiedClaims(token);
    if (claims === null || claims.exp * 1000 <= Date.now()) return null;
    if (closedAccounts.has(claims.sub)) return null;
    if (claims.jti !== undefined && revokedJtis.has(claims.jti)) return null;
    if ((claims.cv ?? 0) < (validFromVersion.get(claims.sub) ?? 0)) return null;
    return claims;
  }

  /** The claims of a token signed by Gatehouse for a user, verified once in a while; else null. */
  async function verifiedClaims(token) {
    const kept = verified.get(token);
    if (kept && kept.until > Date.now()) return kept.claims;
    verified.delete(token);
    try {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      });
      // A service client's own token (`at+jwt`) names no user: it is never a user's credential.
      if (protectedHeader.typ === 'at+jwt') return null;
      if (verified.size >= VERIFIED_KEPT_MAX) verified.delete(verified.keys().next().value);
      verified.set(token, { claims: payload, until: Date.now() + VERIFIED_KEPT_MS });
      return payload;
    } catch {
      return null;
    }
  }

  /**
   * Verifies one SET and applies what it says; throws on one that does not verify, which the
   * push endpoint answers 400 and a poll reports back in `setErrs`.
   * @param {string} set
   */
  async function acceptSet(set) {
    const { payload } = await jwtVerify(set, jwks, {
      issuer,
      audience,
      typ: 'secevent+jwt',
      algorithms: ['RS256'],
    });
    for (const [type, event] of Object.entries(payload.events ?? {})) {
      apply(type, event, payload.sub_id ?? {});
    }
    return payload;
  }

  function apply(type, event, subject) {
    const user = subject.format === 'complex' ? subject.user : subject;
    const sub = user?.format === 'iss_sub' && user.iss === issuer ? user.sub : undefined;
    if (sub !== undefined && typeof event.gatehouse_cv === 'number') {
      validFromVersion.set(sub, Math.max(event.gatehouse_cv, validFromVersion.get(sub) ?? 0));
    }
    if (type === SESSION_REVOKED && subject.format === 'jwt_id' && subject.iss === issuer) {
      forgetExpiredJtis();
      revokedJtis.set(subject.jti, Date.now() + tokenLifetimeSeconds * 1000);
    }
    if (sub === undefined) return;
    if (type === ACCOUNT_DISABLED || type === ACCOUNT_PURGED) closedAccounts.add(sub);
    if (type === ACCOUNT_ENABLED) closedAccounts.delete(sub);
  }

  /** Past a token's lifetime its `exp` refuses it anyway; the map keeps insertion (expiry) order. */
  function forgetExpiredJtis() {
    for (const [jti, until] of revokedJtis) {
      if (until > Date.now()) return;
      revokedJtis.delete(jti);
    }
  }

  return { checkAccessToken, acceptSet };
}
