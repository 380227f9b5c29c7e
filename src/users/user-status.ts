import type { User } from './entities/user.entity.js';

/**
 * Whether a credential issued to `user` at `issuedAt` may still be honoured: the user is enabled
 * and has not changed their password since. Every token and session check asks this. Access
 * JWTs carry `iat` in whole seconds, so the comparison is made at that precision: a token issued
 * in the same second as a password change survives it.
 */
/** The columns isCredentialLive reads, for checks that read no more of the user. */
export const CREDENTIAL_LIVENESS_COLUMNS = ['id', 'enabled', 'credentialsChangedAt'];

export function isCredentialLive(user: User | null, issuedAt: Date): user is User {
  if (user === null || !user.enabled) return false;
  return (
    Math.floor(issuedAt.getTime() / 1000) >= Math.floor(user.credentialsChangedAt.getTime() / 1000)
  );
}
