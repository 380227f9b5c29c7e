import { dictionary } from '@zxcvbn-ts/language-common';

/** bcrypt reads at most 72 bytes; a longer password would silently share a hash with its prefix. */
export const BCRYPT_MAX_BYTES = 72;

export interface PasswordPolicy {
  /** Fewest characters, counted in the normalized form. */
  minLength: number;
  /** Whether a password on the list of the most common ones is refused. */
  refuseCommon: boolean;
}

/**
 * The one form a password is hashed, checked and judged in: NFKC, so that the same password typed
 * on two keyboards (fullwidth letters, a ligature, a precomposed or a combining accent) is one.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** How a password is looked up in the list: normalized, and in lower case, as the list is. */
function commonForm(password: string): string {
  return normalizePassword(password).toLowerCase();
}

/**
 * zxcvbn's list of the most common passwords (49,233 of them, most common first, drawn from
 * leaked password sets), shipped in its npm package and so never fetched. Built once, when this
 * module loads: about 3.5 MB of heap; the server's resident memory after start grows by about 3 MB.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].map(commonForm),
);

/** What is wrong with a password to be stored, or null when it can be: the one password policy. */
export function passwordPolicyViolation(password: string, policy: PasswordPolicy): string | null {
  const normalized = normalizePassword(password);
  if (Array.from(normalized).length < policy.minLength)
    return `password must be at least ${policy.minLength} characters`;
  if (!isHashable(normalized)) {
    return `password must be at most ${BCRYPT_MAX_BYTES} bytes and must not contain NUL characters`;
  }
  if (policy.refuseCommon && COMMON_PASSWORDS.has(commonForm(normalized))) {
    return 'password is among the most common passwords, which attackers try first; choose another';
  }
  return null;
}

/**
 * A password as typed and in its one form, each with whether bcrypt reads it whole: all that
 * hashing and comparing need of the policy, read once per password.
 */
export interface PasswordForms {
  typed: string;
  normalized: string;
  typedHashable: boolean;
  normalizedHashable: boolean;
}

export function passwordForms(password: string): PasswordForms {
  const normalized = normalizePassword(password);
  return {
    typed: password,
    normalized,
    typedHashable: isHashable(password),
    normalizedHashable: isHashable(normalized),
  };
}

/** Whether bcrypt sees all of `password`: at most 72 bytes of UTF-8 and no NUL, where it stops reading. */
export function isHashable(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_BYTES && !password.includes('\0');
}
