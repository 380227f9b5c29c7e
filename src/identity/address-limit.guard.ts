import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  mixin,
  type Type,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { markLoginLimitCounted } from './login-attempt.js';
import { type AddressLimit, LoginLimiter } from './login-limiter.service.js';

/**
 * Counts every request of a route against one per-address limit before anything else runs (no
 * bcrypt for a client over its limit). A login route's count also stands for the password check
 * the request may make, which then does not count it twice.
 */
export function AddressLimitGuard(limit: AddressLimit): Type<CanActivate> {
  @Injectable()
  class CountsAgainstLimit implements CanActivate {
    constructor(private readonly limiter: LoginLimiter) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      await this.limiter.count(limit, request.ip ?? null);
      if (limit === 'login') markLoginLimitCounted(request);
      return true;
    }
  }
  return mixin(CountsAgainstLimit);
}
