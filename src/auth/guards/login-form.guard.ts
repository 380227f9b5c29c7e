import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AcceptsJsonGuard } from '../../common/guards/accepts-json.guard.js';
import { hasBasicAuthorization } from '../../common/basic-authorization.js';

const BasicAuthGuard = AuthGuard('basic');

/**
 * The guards of `POST /auth/login`'s user-token form (JSON responses only, Basic credentials),
 * applied only to that form; the session form checks its credentials from the body.
 */
@Injectable()
export class LoginFormGuard implements CanActivate {
  private readonly acceptsJson = new AcceptsJsonGuard();
  private readonly basic = new BasicAuthGuard();

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!hasBasicAuthorization(context.switchToHttp().getRequest<FastifyRequest>())) return true;
    return (
      this.acceptsJson.canActivate(context) && (await this.basic.canActivate(context)) === true
    );
  }
}
