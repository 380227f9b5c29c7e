import type { User } from './entities/user.entity.js';

/** The columns isCredentialLive reads, for checks that read no more of the user. */
export const CREDENTIAL_LIVENESS_COLUMNS = ['id', 'enabled', 'credentialsChangedAt'];

/**
 * Whether a session or user token issued to `user` at `issuedAt` may still be honoured: the user
 * is enabled and has not changed their password since, to the second. A password change deletes
 * the user's other sessions and user tokens in its own transaction; this rule ends any dated
 * before the change that escaped it. The credential a self-service change keeps is dated at the
 * change itself, so it passes.
 */
export function isCredentialLive(user: User | null, issuedAt: Date): user is User {
  if (user === null || !user.enabled) return false;
  return (
    Math.floor(issuedAt.getTime() / 1000) >= Math.floor(user.credentialsChangedAt.getTime() / 1000)
  );
}

/** The columns isAccessTokenLive reads, for checks that read no more of the user. */
export const ACCESS_TOKEN_LIVENESS_COLUMNS = ['id', 'enabled', 'credentialVersion'];

/**
 * Whether an access JWT issued to `user` at credential version `version` may still be honoured:
 * the user is enabled and their version has not moved since (a password set, a disable, a change
 * of privilege or scope). Unlike `iat`, the version tells a token issued just before a change
 * from one issued just after it in the same second; and since enabling never moves it back, a
 * token a disable ended stays ended.
 */
export function isAccessTokenLive(user: User | null, version: number): user is User {
  return user !== null && user.enabled && user.credentialVersion === version;
}
