import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * How token values and session secrets are stored: SHA-256, hex. They are random with 122 bits
 * or more, so a fast hash is enough; what matters is that the database never holds the value.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` is the one `storedHash` was made of, compared in time that does not depend on
 * where the hashes differ.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const left = Buffer.from(storedHash, 'hex');
  const right = Buffer.from(hashSecret(secret), 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
