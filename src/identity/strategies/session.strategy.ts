import { Injectable, type Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppConfig } from '../../config/app-config.js';
import {
  parseSid,
  type SessionCredential,
  sessionFromCookie,
  sessionFromValidatePath,
} from '../request-credentials.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { SessionMiss } from '../../common/decorators/route-access.decorator.js';
import { type LiveSession, SessionsService } from '../../credentials/sessions/sessions.service.js';

type SessionRequest = FastifyRequest<{ Params: { sid?: string }; Querystring: { sid?: string } }>;

/** Where a session route reads its credential; each is a Passport strategy of that name. */
type SessionCredentialSource = 'session' | 'session-in-validate-path';

type ReadCredential = (request: SessionRequest, cookieSecret?: string) => SessionCredential | null;

/** The sid a session route names, as sent: in the path, or `?sid=`. */
const sidOf = (request: SessionRequest): unknown => request.params?.sid ?? request.query?.sid;

/**
 * A Passport strategy named `source` that reads a session with `read` and checks it is live;
 * without one, Passport's failure carries why (a SessionMiss: the sid is not one, not a positive
 * 32-bit decimal number with nothing after it but a secret where one may follow; the secret is
 * missing or not one; or the well-formed credential names no live session) to AccessGuard, which
 * answers it as the route declares.
 */
function SessionCredentialStrategy(source: SessionCredentialSource, read: ReadCredential) {
  @Injectable()
  class ReadsSession extends PassportStrategy(Strategy, source) {
    constructor(
      readonly config: AppConfig,
      readonly sessions: SessionsService,
      readonly metrics: MetricsService,
    ) {
      super();
    }

    async validate(request: SessionRequest): Promise<[LiveSession] | [false, SessionMiss]> {
      const credential = read(request, request.cookies?.[this.config.sessions.cookieName]);
      const live = (credential && (await this.sessions.authenticate(credential))) ?? false;
      this.metrics.countSessionValidation(live !== false);
      if (live) return [live];
      if (credential) return [false, 'not-live'];
      return [false, parseSid(sidOf(request)) === null ? 'invalid-sid' : 'no-secret'];
    }
  }
  return ReadsSession as Type<InstanceType<typeof ReadsSession>>;
}

/**
 * The bare sid from the path or the `sid` query parameter, the secret from the session cookie.
 * A secret anywhere else is refused: URLs end up in proxy logs and browser history.
 */
@Injectable()
export class SessionStrategy extends SessionCredentialStrategy('session', (request, cookie) =>
  sessionFromCookie(sidOf(request), cookie),
) {}

/**
 * `GET /auth/validate/{sid}`, the one route whose document carries the secret in the path: the
 * sid followed by its secret, or the bare sid with the secret in the cookie.
 */
@Injectable()
export class ValidatePathSessionStrategy extends SessionCredentialStrategy(
  'session-in-validate-path',
  (request, cookie) => sessionFromValidatePath(request.params?.sid, cookie),
) {}
