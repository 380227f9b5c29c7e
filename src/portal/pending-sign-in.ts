import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A sign-in whose password was right and whose code is still due: kept by the browser between the
 * two steps as a value the server signed, never the password. It names the user and the version
 * of their credentials (a password set or a disable in between ends it), lasts a few minutes, and
 * is bound to the browser's form-token secret, so that it is worth nothing in another browser.
 */
export interface PendingSignIn {
  userId: number;
  credentialVersion: number;
  expiresAtMs: number;
}

/** How long the second step may take. */
export const PENDING_SIGN_IN_MS = 5 * 60_000;

const SEALED = /^([1-9][0-9]{0,9})\.([0-9]{1,10})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

function macOf(fields: string, browser: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(`${fields}|${browser}`).digest();
}

/** The pending sign-in as the browser keeps it, for the browser whose form secret is `browser`. */
export function sealPendingSignIn(pending: PendingSignIn, browser: string, key: Buffer): string {
  const fields = `${pending.userId}.${pending.credentialVersion}.${pending.expiresAtMs}`;
  return `${fields}.${macOf(fields, browser, key).toString('base64url')}`;
}

/** The pending sign-in `value` holds, when this server sealed it for `browser` and it is not over. */
export function openPendingSignIn(
  value: unknown,
  browser: string,
  key: Buffer,
  nowMs: number,
): PendingSignIn | null {
  const match = typeof value === 'string' ? SEALED.exec(value) : null;
  if (!match) return null;
  const [, userId, credentialVersion, expiresAtMs, mac] = match;
  const given = Buffer.from(mac, 'base64url');
  const expected = macOf(`${userId}.${credentialVersion}.${expiresAtMs}`, browser, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (Number(expiresAtMs) <= nowMs) return null;
  return {
    userId: Number(userId),
    credentialVersion: Number(credentialVersion),
    expiresAtMs: Number(expiresAtMs),
  };
}
