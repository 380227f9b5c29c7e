import { Injectable } from '@nestjs/common';

/**
 * The one source of the current time for every rule that depends on it (locks, expiries,
 * timeouts), so that a test moves time by replacing `now` instead of waiting for it to pass.
 */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }

  /** Milliseconds since the epoch. */
  nowMs(): number {
    return this.now().getTime();
  }
}
