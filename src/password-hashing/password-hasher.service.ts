import { Injectable, Logger } from '@nestjs/common';
import { pbkdf2, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { verify as argon2Verify } from 'argon2';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { AppConfig } from '../config/app-config.js';
import { threadPoolSize } from '../config/environment.js';
import { type ParsedHash, readPasswordHash } from './imported-hash.js';
import {
  type PasswordForms,
  passwordForms,
  passwordPolicyViolation,
} from '../common/password-policy.js';

/** An imported hash of a format other than bcrypt, which is verified by its own derivation. */
type ImportedHash = Exclude<ParsedHash, { format: 'bcrypt' }>;

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * bcrypt calls (and derivations of imported hashes) running at once: all of libuv's threads but
 * one, which stays free for the pool's other work (file reads, the database driver's host lookups)
 * however many logins are queued.
 */
export const BCRYPT_CONCURRENCY = Math.max(1, threadPoolSize() - 1);

/**
 * One queue for the process, as the thread pool is one for the process. node:crypto's pbkdf2 and
 * scrypt and argon2's verify run on the same pool as bcrypt, so they wait in the same queue: a
 * storm of logins with imported hashes cannot take the thread kept free either.
 */
const hashingSlot = pLimit(BCRYPT_CONCURRENCY);

/**
 * Imported hashes are derived one at a time, each on one of the slots above: a derivation may cost
 * several bcrypts (and up to 64 MiB), so a storm of logins with imported hashes holds the others'
 * bcrypts back by at most one derivation, and never takes more than one slot's memory.
 */
const importedHashSlot = pLimit(1);

/**
 * The one place passwords are hashed and compared. bcrypt runs on libuv's thread pool, never on
 * the event loop, and the pool runs at the lowest scheduling priority (low-priority-thread-pool.cjs),
 * so a login storm cannot take the CPU from the token checks; calls beyond the concurrency wait
 * their turn in the order they came.
 */
@Injectable()
export class PasswordHasher {
  private readonly logger = new Logger(PasswordHasher.name);
  /** A hash of nothing anyone knows, compared against when a user is unknown so that it costs the same. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = this.hash(randomUUID());
  }

  /** A bcrypt hash of the password's normalized form (NFKC). */
  hash(password: string): Promise<string> {
    const forms = passwordForms(password);
    // The policy admits only passwords whose normalized form bcrypt reads whole; one stored before
    // normalization and rehashed at login may not be, and keeps its raw form, which verify tries.
    const stored = forms.normalizedHashable ? forms.normalized : password;
    return hashingSlot(() => bcrypt.hash(stored, this.config.bcryptCost));
  }

  /**
   * Compares in constant work whether or not there is a hash; passwords bcrypt would truncate never
   * match a bcrypt hash. A hash of another format (imported: see imported-hash.ts) is verified by
   * its own derivation.
   */
  verify(password: string, hash: string | null): Promise<boolean> {
    return this.verifyForms(passwordForms(password), hash);
  }

  /**
   * verify(), and for a match needsRehash(): all a login asks of hashing, in one call, with the
   * password's forms read once.
   */
  async verifyLogin(
    password: string,
    hash: string | null,
  ): Promise<{ matches: boolean; rehash: boolean }> {
    const forms = passwordForms(password);
    const matches = await this.verifyForms(forms, hash);
    return { matches, rehash: matches && hash !== null && this.isStale(hash, forms) };
  }

  /**
   * Whether a login that proved `password` should store a new hash of it: a bcrypt hash made at a
   * lower cost than configured, or a hash of another format, once bcrypt can read the password
   * whole (one longer than 72 bytes keeps its imported hash, which does not truncate it).
   */
  needsRehash(hash: string, password: string): boolean {
    return this.isStale(hash, passwordForms(password));
  }

  /**
   * Whether `password` matches a hash a client brought (`matchpassword`): null for anything that
   * is not a bcrypt hash, or one so costly that comparing would tie up a thread for seconds.
   */
  async matchesForeignHash(password: string, hash: string): Promise<boolean | null> {
    if (!BCRYPT_HASH.test(hash) || bcrypt.getRounds(hash) > Math.max(this.config.bcryptCost, 13)) {
      return null;
    }
    return this.matchesEitherForm(passwordForms(password), hash);
  }

  /** What is wrong with a new password, or null when it can be stored. */
  policyViolation(password: string): string | null {
    return passwordPolicyViolation(password, {
      minLength: this.config.passwordMinLength,
      refuseCommon: this.config.refuseCommonPasswords,
    });
  }

  /**
   * The normalized form first; a hash made before passwords were normalized holds the raw form,
   * so when that differs it is compared too. The second bcrypt depends only on what was typed,
   * never on the user or the hash, so a known and an unknown user still cost the same; it is paid
   * only for the rare passwords NFKC changes (fullwidth forms, ligatures, combining accents), at
   * most doubling their cost, and every route that checks a password is limited per address.
   */
  private async matchesEitherForm(forms: PasswordForms, hash: string): Promise<boolean> {
    if (await this.compareWhole(forms.normalized, forms.normalizedHashable, hash)) return true;
    return (
      forms.normalized !== forms.typed &&
      (await this.compareWhole(forms.typed, forms.typedHashable, hash))
    );
  }

  /** One bcrypt whatever the password; one bcrypt would truncate is compared as '' and never matches. */
  private async compareWhole(password: string, hashable: boolean, hash: string): Promise<boolean> {
    const matches = await this.compare(hashable ? password : '', hash);
    return hashable && matches;
  }

  private async verifyForms(forms: PasswordForms, hash: string | null): Promise<boolean> {
    if (hash !== null && !isBcrypt(hash)) return this.verifyImported(forms, hash);
    const matches = await this.matchesEitherForm(forms, hash ?? (await this.dummyHash));
    return hash !== null && matches;
  }

  private isStale(hash: string, forms: PasswordForms): boolean {
    if (isBcrypt(hash)) return bcrypt.getRounds(hash) < this.config.bcryptCost;
    return forms.normalizedHashable || forms.typedHashable;
  }

  /** node's bcrypt knows $2y$ (PHP's) by its other name, $2b$: the same algorithm. */
  private compare(password: string, hash: string): Promise<boolean> {
    return hashingSlot(() => bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$')));
  }

  /**
   * An imported hash, beside the same bcrypt an unknown user costs: a name whose imported hash is
   * cheap (pbkdf2 at 1,000 iterations takes a millisecond) must not be told from a name no one has
   * by answering sooner. The two run side by side, so one whose hash is cheaper than bcrypt answers
   * as an unknown user does. A hash that does not read (written by hand past the import's bounds)
   * matches nothing and costs its work to no one; one whose derivation fails matches nothing
   * either, so that the login fails as with a wrong password, counted, and never as an error.
   */
  private async verifyImported(forms: PasswordForms, hash: string): Promise<boolean> {
    const reading = readPasswordHash(hash, this.config.bcryptCost);
    const [matches] = await Promise.all([
      'hash' in reading && reading.hash.format !== 'bcrypt'
        ? this.matchesImported(forms, reading.hash, hash).catch((error: unknown) => {
            this.logger.warn(`An imported hash could not be checked: ${(error as Error).message}`);
            return false;
          })
        : false,
      this.matchesEitherForm(forms, await this.dummyHash),
    ]);
    return matches;
  }

  /**
   * The password as typed first: the services that made these hashes hashed what their users
   * typed, unnormalized. Then its NFKC form, when that differs, so that an imported password typed
   * on another keyboard (fullwidth letters, a ligature) is the same password, as it is for every
   * hash Gatehouse makes (and will be once this one is replaced at the next login). The second
   * derivation is paid only for the rare passwords NFKC changes.
   */
  private async matchesImported(
    forms: PasswordForms,
    parsed: ImportedHash,
    hash: string,
  ): Promise<boolean> {
    if (await this.derivesTo(forms.typed, parsed, hash)) return true;
    return forms.normalized !== forms.typed && this.derivesTo(forms.normalized, parsed, hash);
  }

  /** Derives the key as the hash's own implementation does, compared in constant time. */
  private derivesTo(password: string, parsed: ImportedHash, hash: string): Promise<boolean> {
    return importedHashSlot(() => hashingSlot(() => derivedKeyMatches(password, parsed, hash)));
  }
}

function derivedKeyMatches(password: string, parsed: ImportedHash, hash: string): Promise<boolean> {
  switch (parsed.format) {
    case 'pbkdf2':
      return pbkdf2Key(password, parsed).then((key) => timingSafeEqual(key, parsed.key));
    case 'scrypt':
      return scryptKey(password, parsed).then((key) => timingSafeEqual(key, parsed.key));
    case 'argon2id':
      return argon2Verify(hash, password);
  }
}

function isBcrypt(hash: string): boolean {
  return hash.startsWith('$2');
}

/** Werkzeug's pbkdf2: the UTF-8 bytes of the password and of the salt, a key the digest's length. */
function pbkdf2Key(
  password: string,
  { salt, iterations, digest, key }: Extract<ImportedHash, { format: 'pbkdf2' }>,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, key.length, digest, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}

/**
 * Werkzeug 3's scrypt, over the UTF-8 bytes of the password and the salt. OpenSSL needs
 * 128·r·(n + p + 2) bytes; the import's bounds keep that at or under about 64 MiB.
 */
function scryptKey(
  password: string,
  { salt, n, r, p, key }: Extract<ImportedHash, { format: 'scrypt' }>,
): Promise<Buffer> {
  const maxmem = 128 * r * (n + p + 2) + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, key.length, { N: n, r, p, maxmem }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}
