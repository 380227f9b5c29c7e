import { Injectable, mixin, type Type } from '@nestjs/common';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import {
  type SessionApiException,
  sessionApiFailures,
} from '../common/dialects/generic-response.js';
import type {
  SessionCredentialSource,
  SessionMiss,
} from '../identity/strategies/session.strategy.js';

/** What a route answers for each way a request can come without a live session. */
export type SessionMissAnswers = Record<SessionMiss, () => SessionApiException>;

/**
 * `validate`: a sid that is not one, or comes without the secret validate needs, is
 * INVALIDDATA (400); a well-formed sid and secret of no live session, NOTFOUND (404).
 */
export const VALIDATE_MISSES: SessionMissAnswers = {
  'invalid-sid': sessionApiFailures.invalidSid,
  'no-secret': sessionApiFailures.invalidSid,
  'not-live': sessionApiFailures.noSuchSession,
};

/**
 * `logout/{sid}`: a sid that is not one is INVALIDDATA (400); without the cookie's secret the
 * credential is missing (401); a sid and secret of no live session, NOTFOUND (404), as validate.
 */
export const LOGOUT_MISSES: SessionMissAnswers = {
  'invalid-sid': sessionApiFailures.invalidSid,
  'no-secret': () => sessionApiFailures.sessionRequired('AUTHREQUIRED'),
  'not-live': sessionApiFailures.noSuchSession,
};

/** `hashpassword` and `matchpassword`: FAILURE (401) without a live session, as the original. */
export const PASSWORD_ROUTE_MISSES: SessionMissAnswers = {
  'invalid-sid': () => sessionApiFailures.sessionRequired('FAILURE'),
  'no-secret': () => sessionApiFailures.sessionRequired('FAILURE'),
  'not-live': () => sessionApiFailures.sessionRequired('FAILURE'),
};

/** Requires a live session, read by the `source` strategy; `answers` say what the route answers without one. */
export function SessionGuard(
  answers: SessionMissAnswers,
  source: SessionCredentialSource = 'session',
): Type<IAuthGuard> {
  @Injectable()
  class RequiresSession extends AuthGuard(source) {
    handleRequest<T>(error: unknown, liveSession: T, miss?: SessionMiss): T {
      // A session that could not be looked up is not a missing one: the error goes on to the
      // error filter (a database out of reach is a 503 there), so that an outage signs no one out.
      if (error) throw error;
      if (!liveSession) throw answers[miss ?? 'not-live']();
      return liveSession;
    }
  }
  return mixin(RequiresSession);
}
