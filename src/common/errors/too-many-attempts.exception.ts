import { HttpException, HttpStatus } from '@nestjs/common';

/** A locked account or a client over its limit: 429, with Retry-After in every dialect. */
export class TooManyAttemptsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many failed logins; try again later',
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
