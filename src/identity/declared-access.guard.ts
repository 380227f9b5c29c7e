import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROUTE_ACCESS, type RouteAccess } from '../common/decorators/route-access.decorator.js';

/**
 * The app's guard before every other: a route whose handler or controller declares no access
 * (@Access, @Public, or a decorator that states one, such as @Authenticated) is refused, so that
 * the app is closed by default. The checks each declaration names run in the route's own guards.
 */
@Injectable()
export class DeclaredAccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!access) throw new ForbiddenException('This route declares no access rule');
    return true;
  }
}
