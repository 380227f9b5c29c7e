import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { CallersService } from '../account/callers.service.js';
import { authenticateCaller } from '../account/signed-in.guard.js';

/**
 * An admin, by access JWT (Bearer) or session: 401 without a live credential, 403 for anyone
 * else. User tokens are not taken: they live for months and are meant for machines. The
 * privilege is read from the user as stored now, so a demoted admin's JWT stops at once.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly callers: CallersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const caller = await authenticateCaller(this.callers, context, { userToken: false });
    if (caller.user.privilege !== 'admin') {
      throw new ForbiddenException('This route is for admins');
    }
    return true;
  }
}
