import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Caller, type CallerOptions, CallersService } from './callers.service.js';

export type CallerRequest = FastifyRequest & { user?: Caller['user']; caller?: Caller };

/**
 * Authenticates the caller and keeps them on the request: `request.user` is the user (what
 * @CurrentUser() reads), `request.caller` the user with the credential used.
 */
export async function authenticateCaller(
  callers: CallersService,
  context: ExecutionContext,
  options: CallerOptions,
): Promise<Caller> {
  const request = context.switchToHttp().getRequest<CallerRequest>();
  const caller = await callers.identify(request, options);
  if (!caller) {
    throw new UnauthorizedException(
      'A live access JWT (Bearer), user token (Bearer) or session (X-Session-Id or sid, and the session cookie) is required',
    );
  }
  request.user = caller.user;
  request.caller = caller;
  return caller;
}

/** Any enabled user, by access JWT, user token or session: the self-service routes. */
@Injectable()
export class SignedInGuard implements CanActivate {
  constructor(private readonly callers: CallersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await authenticateCaller(this.callers, context, { userToken: true });
    return true;
  }
}
