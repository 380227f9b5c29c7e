import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AcceptsJsonGuard } from '../../common/guards/accepts-json.guard.js';
import { hasBasicAuthorization } from '../../common/basic-authorization.js';

/**
 * `POST /auth/login`'s user-token form (Basic credentials) answers JSON only: a client that takes
 * none is told so (406) before its credentials are checked. The session form answers JSON
 * whatever the Accept header says.
 */
@Injectable()
export class LoginFormGuard implements CanActivate {
  private readonly acceptsJson = new AcceptsJsonGuard();

  canActivate(context: ExecutionContext): boolean {
    if (!hasBasicAuthorization(context.switchToHttp().getRequest<FastifyRequest>())) return true;
    return this.acceptsJson.canActivate(context);
  }
}
