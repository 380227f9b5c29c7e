import { applyDecorators } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { LOGIN_THROTTLER, PASSWORD_OPS_THROTTLER } from './throttling.module.js';

/**
 * Which limit a throttled route counts against; the route lists ThrottlerGuard first among its
 * guards, so that a client over its limit is refused before any bcrypt runs.
 */
export const CountsAsLogin = () =>
  applyDecorators(SkipThrottle({ [PASSWORD_OPS_THROTTLER]: true }));
export const CountsAsPasswordOperation = () =>
  applyDecorators(SkipThrottle({ [LOGIN_THROTTLER]: true }));
