import {
  type SessionApiException,
  sessionApiFailures,
} from '../common/dialects/generic-response.js';
import type { SessionAccess, SessionMiss } from '../common/decorators/route-access.decorator.js';
import { Access } from '../identity/access.decorator.js';

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

/**
 * A session API route: a live session of an enabled user, read from `source` (what
 * `@CurrentUser()` then reads is the LiveSession), with `misses` as the route's answers without
 * one. `passwordOps`: the route hashes or compares a password, so every request counts against
 * the password-ops limit first, before its session is read.
 */
export function SessionRoute(
  misses: SessionMissAnswers,
  {
    source = 'path-or-query',
    passwordOps = false,
  }: {
    source?: SessionAccess['source'];
    passwordOps?: boolean;
  } = {},
) {
  return Access({
    accepts: ['session'],
    rule: 'signed-in',
    session: { source, misses },
    ...(passwordOps ? { before: ['password-ops-limit'] as const } : {}),
  });
}
