import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';

/** @nestjs/throttler's guard, refusing with the 429 every dialect words (and a plain Retry-After). */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
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
