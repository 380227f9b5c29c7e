import { hashSecret } from '../../common/secret-hash.js';

/**
 * What a sign-in challenge is bound to when the portal's page asked for it: the SHA-256 of the
 * browser's form secret (the portal's HttpOnly cookie), so that only that browser can answer it
 * and the secret itself is never stored.
 */
export function browserBindingOf(formSecret: string): string {
  return hashSecret(formSecret);
}
