import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { AppConfig } from '../config/app-config.js';
import { isHashable, normalizePassword, passwordPolicyViolation } from './password-policy.js';

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** libuv's thread pool, where bcrypt's asynchronous calls run: UV_THREADPOOL_SIZE threads, else 4. */
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * bcrypt calls running at once: all of libuv's threads but one, which stays free for the pool's
 * other work (file reads, the database driver's host lookups) however many logins are queued.
 */
export const BCRYPT_CONCURRENCY = Math.max(1, THREAD_POOL_SIZE - 1);

/** One queue for the process, as the thread pool is one for the process. */
const bcryptSlot = pLimit(BCRYPT_CONCURRENCY);

/**
 * The one place passwords are hashed and compared. bcrypt runs on libuv's thread pool, never on
 * the event loop, and the pool runs at the lowest scheduling priority (low-priority-thread-pool.cjs),
 * so a login storm cannot take the CPU from the token checks; calls beyond the concurrency wait
 * their turn in the order they came.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of nothing anyone knows, compared against when a user is unknown so that it costs the same. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = this.hash(randomUUID());
  }

  /** A bcrypt hash of the password's normalized form (NFKC). */
  hash(password: string): Promise<string> {
    const normalized = normalizePassword(password);
    // The policy admits only passwords whose normalized form bcrypt reads whole; one stored before
    // normalization and rehashed at login may not be, and keeps its raw form, which verify tries.
    const stored = isHashable(normalized) ? normalized : password;
    return bcryptSlot(() => bcrypt.hash(stored, this.config.bcryptCost));
  }

  /** Compares in constant work whether or not there is a hash; passwords bcrypt would truncate never match. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const matches = await this.matchesEitherForm(password, hash ?? (await this.dummyHash));
    return hash !== null && matches;
  }

  /**
   * Whether `password` matches a hash a client brought (`matchpassword`): null for anything that
   * is not a bcrypt hash, or one so costly that comparing would tie up a thread for seconds.
   */
  async matchesForeignHash(password: string, hash: string): Promise<boolean | null> {
    if (!BCRYPT_HASH.test(hash) || bcrypt.getRounds(hash) > Math.max(this.config.bcryptCost, 13)) {
      return null;
    }
    return this.matchesEitherForm(password, hash);
  }

  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.config.bcryptCost;
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
  private async matchesEitherForm(password: string, hash: string): Promise<boolean> {
    const normalized = normalizePassword(password);
    if (await this.compareWhole(normalized, hash)) return true;
    return normalized !== password && (await this.compareWhole(password, hash));
  }

  /** One bcrypt whatever the password; one bcrypt would truncate is compared as '' and never matches. */
  private async compareWhole(password: string, hash: string): Promise<boolean> {
    const usable = isHashable(password);
    const matches = await this.compare(usable ? password : '', hash);
    return usable && matches;
  }

  private compare(password: string, hash: string): Promise<boolean> {
    return bcryptSlot(() => bcrypt.compare(password, hash));
  }
}
