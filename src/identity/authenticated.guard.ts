import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  mixin,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Caller, TokenCheckService } from './token-check.service.js';

export type CallerRequest = FastifyRequest & { user?: Caller['user']; caller?: Caller };

/** Who may call a route: any enabled user, or admins only. */
export type Access = 'signed-in' | 'admin';

/**
 * Authenticates the caller and keeps them on the request: `request.user` is the user (what
 * @CurrentUser() reads), `request.caller` the user with the credential used. Signed-in routes
 * take an access JWT, a user token or a session; admin routes no user token (they live for
 * months and are meant for machines), and answer 403 to anyone but an admin. The privilege is
 * the user's as stored now, so a demoted admin stops at once.
 */
export function AuthenticatedGuard(access: Access): Type<CanActivate> {
  @Injectable()
  class Authenticates implements CanActivate {
    constructor(private readonly tokenCheck: TokenCheckService) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest<CallerRequest>();
      const caller = await this.tokenCheck.caller(this.tokenCheck.callerCredential(request), {
        userToken: access === 'signed-in',
      });
      if (!caller) {
        throw new UnauthorizedException(
          'A live access JWT (Bearer), user token (Bearer) or session (X-Session-Id or sid, and the session cookie) is required',
        );
      }
      request.user = caller.user;
      request.caller = caller;
      if (access === 'admin' && caller.user.privilege !== 'admin') {
        throw new ForbiddenException('This route is for admins');
      }
      return true;
    }
  }
  return mixin(Authenticates);
}
