/** bcrypt reads at most 72 bytes; a longer password would silently share a hash with its prefix. */
export const BCRYPT_MAX_BYTES = 72;

/** What is wrong with a password to be stored, or null when it can be: the one password policy. */
export function passwordPolicyViolation(password: string, minLength: number): string | null {
  if (Array.from(password).length < minLength)
    return `password must be at least ${minLength} characters`;
  if (!isHashable(password)) {
    return `password must be at most ${BCRYPT_MAX_BYTES} bytes and must not contain NUL characters`;
  }
  return null;
}

/** Whether bcrypt sees all of `password`: at most 72 bytes of UTF-8 and no NUL, where it stops reading. */
export function isHashable(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES && !password.includes('\0');
}
