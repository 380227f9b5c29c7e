import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * How token values and session secrets are stored: SHA-256, hex. They are random with 122 bits
 * or more, so a fast hash is enough; what matters is that the database never holds the value.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two stored hashes in time that does not depend on where they differ. */
export function hashesMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
