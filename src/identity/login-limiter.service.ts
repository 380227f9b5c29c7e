import { Injectable, Logger } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';

/** The per-address limits: logins (every password check and every login route), and password hashing. */
export type AddressLimit = 'login' | 'password-ops';

const WINDOW_MS = 60_000;

/**
 * The one place a client address is counted against its limits, in @nestjs/throttler's store
 * (Redis when REDIS_URL is set, so that every instance counts together; memory otherwise). Over
 * the limit is a 429 with Retry-After in the route's dialect. When the store is out of reach the
 * request goes on: the per-account lock, kept in the database, still stands.
 */
@Injectable()
export class LoginLimiter {
  private readonly logger = new Logger(LoginLimiter.name);

  constructor(
    private readonly config: AppConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {}

  async count(limit: AddressLimit, address: string | null): Promise<void> {
    const perMinute =
      limit === 'login' ? this.config.loginAttemptsPerMinute : this.config.passwordOpsPerMinute;
    let record;
    try {
      record = await this.storage.increment(
        `${limit}:${address ?? 'unknown'}`,
        WINDOW_MS,
        perMinute,
        WINDOW_MS,
        limit,
      );
    } catch (error) {
      this.logger.warn(`Throttling skipped, its store failed: ${(error as Error).message}`);
      return;
    }
    if (record.isBlocked) {
      throw new TooManyAttemptsException(
        Math.max(1, Math.ceil(record.timeToBlockExpire || record.timeToExpire)),
        'Too many requests from this client; try again later',
      );
    }
  }
}
