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

  /**
   * The claims of a live access JWT, or null: signature, issuer and expiry checked locally, then
   * what the stream said since.
   * @param {string} token
   */
  async function checkAccessToken(token) {
    let claims;
    try {
      const verified = await jwtVerify(token, jwks, { issuer, algorithms: ['RS256'] });
      // A service client's own token (`at+jwt`) names no user: it is never a user's credential.
      if (verified.protectedHeader.typ === 'at+jwt') return null;
      claims = verified.payload;
    } catch {
      return null;
    }
    if (closedAccounts.has(claims.sub)) return null;
    if (claims.jti !== undefined && revokedJtis.has(claims.jti)) return null;
    if ((claims.cv ?? 0) < (validFromVersion.get(claims.sub) ?? 0)) return null;
    return claims;
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
