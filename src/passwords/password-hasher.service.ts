import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { Piscina } from 'piscina';
import { AppConfig } from '../config/app-config.js';
import { isHashable, passwordPolicyViolation } from './password-policy.js';

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/**
 * Four bcrypt threads, whatever the core count. At nice 19 the threads share what CPU other
 * processes leave in proportion to their number: with one per core (two here), a CI run's other
 * test processes starved a burst of cost-12 registrations past a minute. Each costs an isolate
 * of about 8 MB.
 */
export const BCRYPT_THREADS = 4;
/** A worker holds a few short strings at a time; small heaps keep its isolate to a few MB. */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 };

/** The bcrypt pool, as the hasher runs it. */
export const BCRYPT_POOL_OPTIONS = {
  filename: new URL('./bcrypt.worker.mjs', import.meta.url).href,
  minThreads: BCRYPT_THREADS,
  maxThreads: BCRYPT_THREADS,
  resourceLimits: WORKER_HEAP_LIMITS,
  // By default Piscina puts a task it could not hand to a busy worker at the back of the queue,
  // so under steady load one login can wait behind dozens that came after it (seen: 13 s).
  stricterFIFO: true,
};

/**
 * The one place passwords are hashed and compared. bcrypt runs on worker threads of lowest
 * scheduling priority: never on the event loop, and never taking the CPU from it, so a login
 * storm cannot slow token checks down; the workers still use all the CPU the event loop leaves.
 */
@Injectable()
export class PasswordHasher implements OnApplicationShutdown {
  private readonly pool = new Piscina(BCRYPT_POOL_OPTIONS);

  /** A hash of nothing anyone knows, compared against when a user is unknown so that it costs the same. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = this.hash(randomUUID());
  }

  hash(password: string): Promise<string> {
    return this.pool.run({ password, cost: this.config.bcryptCost }, { name: 'hash' });
  }

  /** Compares in constant work whether or not there is a hash; passwords bcrypt would truncate never match. */
  async verify(password: string, hash: string | null): Promise<boolean> {
    const usable = isHashable(password);
    const matches = await this.compare(usable ? password : '', hash ?? (await this.dummyHash));
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
    return isHashable(password) && (await this.compare(password, hash));
  }

  needsRehash(hash: string): boolean {
    return bcrypt.getRounds(hash) < this.config.bcryptCost;
  }

  /** What is wrong with a new password, or null when it can be stored. */
  policyViolation(password: string): string | null {
    return passwordPolicyViolation(password, this.config.passwordMinLength);
  }

  /** After the HTTP server has drained: lets the work still queued finish, then stops the threads. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.close();
  }

  private compare(password: string, hash: string): Promise<boolean> {
    return this.pool.run({ password, hash }, { name: 'compare' });
  }
}
