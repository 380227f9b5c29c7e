import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AccessChecks } from './access-checks.service.js';

/**
 * The app's one guard of access: every route whose declaration asks for a check gets it from
 * `@Access`, first among the route's guards, and it does what the declaration says (AccessChecks).
 * A route that lets every request through (`@Public`, the logins, forward authentication) has no
 * guard at all, so the checks other services make on every request pay nothing for it; a route
 * that declares nothing does not exist, since the app does not start with one (DeclaredAccessCheck).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(private readonly checks: AccessChecks) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return this.checks.check(context);
  }
}
