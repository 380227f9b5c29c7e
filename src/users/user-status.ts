import type { User } from './entities/user.entity.js';

/**
 * Whether a credential issued to `user` at `issuedAt` may still be honoured: the user is enabled
 * and has not changed their password since. Every token and session check asks this.
 */
export function isCredentialLive(user: User | null, issuedAt: Date): user is User {
  return user !== null && user.enabled && issuedAt.getTime() >= user.credentialsChangedAt.getTime();
}
