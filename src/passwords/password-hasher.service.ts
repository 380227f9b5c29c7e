import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { AppConfig } from '../config/app-config.js';
import { isHashable, passwordPolicyViolation } from './password-policy.js';

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * The one place passwords are hashed and compared. bcrypt's async API runs on libuv's thread
 * pool, never on the event loop.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of nothing anyone knows, compared against when a user is unknown so that it costs the same. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = bcrypt.hash(randomUUID(), config.bcryptCost);
  }

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  /** Compares in constant work whether or not there is a hash; passwords bcrypt would truncate never match. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const usable = isHashable(password);
    const matches = await bcrypt.compare(usable ? password : '', hash ?? (await this.dummyHash));
    return usable && hash !== null && matches;
  }

  /**
   * Whether `password` matches a hash a client brought (`matchpassword`): null for anything that
   * is not a bcrypt hash, or one so costly that comparing would tie up a thread for seconds.
   */
  async matchesForeignHash(password: string, hash: string): Promise<boolean | null> {
    if (!BCRYPT_HASH.test(hash) || bcrypt.getRounds(hash) > Math.max(this.config.bcryptCost, 13)) {
      return null;
    }
    return isHashable(password) && (await bcrypt.compare(password, hash));
  }

  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.config.bcryptCost;
  }

  /** What is wrong with a new password, or null when it can be stored. */
  policyViolation(password: string): string | null {
    return passwordPolicyViolation(password, this.config.passwordMinLength);
  }
}
