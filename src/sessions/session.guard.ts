import { Injectable, mixin, type Type } from '@nestjs/common';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { SessionApiException } from '../common/dialects/generic-response.js';
import type { SessionCredentialSource } from './strategies/session.strategy.js';

/**
 * Requires a live session, read by the `source` strategy. `onFailure` is what the route answers
 * without one: NOTFOUND for validate, which never says which part was wrong; AUTHREQUIRED
 * elsewhere.
 */
export function SessionGuard(
  onFailure: 'AUTHREQUIRED' | 'NOTFOUND',
  source: SessionCredentialSource = 'session',
): Type<IAuthGuard> {
  @Injectable()
  class RequiresSession extends AuthGuard(source) {
    handleRequest<T>(error: unknown, liveSession: T): T {
      // A session that could not be looked up is not a missing one: the error goes on to the
      // error filter (a database out of reach is a 503 there), so that an outage signs no one out.
      if (error) throw error;
      if (!liveSession) {
        throw new SessionApiException(
          onFailure,
          onFailure === 'NOTFOUND'
            ? 'No such session'
            : 'A live session (sid and secret) is required',
        );
      }
      return liveSession;
    }
  }
  return mixin(RequiresSession);
}
