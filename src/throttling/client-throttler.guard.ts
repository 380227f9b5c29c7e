import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';

/**
 * @nestjs/throttler's guard, refusing with the 429 every dialect words (and a plain Retry-After).
 * When the counters' store (Redis) is out of reach it lets the request through: the per-account
 * lock, kept in the database, still stands, and logins keep working.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  private readonly storeLogger = new Logger(ClientThrottlerGuard.name);

  async canActivate(context: ExecutionContext): Promise<boolean> {
    try {
      return await super.canActivate(context);
    } catch (error) {
      if (error instanceof TooManyAttemptsException) throw error;
      this.storeLogger.warn(`Throttling skipped, its store failed: ${(error as Error).message}`);
      return true;
    }
  }

  protected async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyAttemptsException(
      Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire)),
      'Too many requests from this client; try again later',
    );
  }
}
