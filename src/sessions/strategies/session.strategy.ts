import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppConfig } from '../../config/app-config.js';
import {
  type SessionCredential,
  sessionFromCookie,
  sessionFromValidatePath,
} from '../../identity/request-credentials.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type LiveSession, SessionsService } from '../sessions.service.js';

type SessionRequest = FastifyRequest<{ Params: { sid?: string }; Querystring: { sid?: string } }>;

/** Where a session route reads its credential; each is a Passport strategy of that name. */
export type SessionCredentialSource = 'session' | 'session-in-validate-path';

/**
 * A session as a Passport credential: the bare sid from the path or the `sid` query parameter,
 * the secret from the session cookie. A secret anywhere else is refused: URLs end up in proxy
 * logs and browser history.
 */
@Injectable()
export class SessionStrategy extends PassportStrategy(Strategy, 'session') {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  validate(request: SessionRequest): Promise<LiveSession | false> {
    const cookie = request.cookies?.[this.config.sessions.cookieName];
    return liveSession(
      this.sessions,
      this.metrics,
      sessionFromCookie(request.params?.sid ?? request.query?.sid, cookie),
    );
  }
}

/**
 * `GET /auth/validate/{sid}`, the one route whose document carries the secret in the path: the
 * sid followed by its secret, or the bare sid with the secret in the cookie.
 */
@Injectable()
export class ValidatePathSessionStrategy extends PassportStrategy(
  Strategy,
  'session-in-validate-path',
) {
  constructor(
    private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  validate(request: SessionRequest): Promise<LiveSession | false> {
    const cookie = request.cookies?.[this.config.sessions.cookieName];
    return liveSession(
      this.sessions,
      this.metrics,
      sessionFromValidatePath(request.params?.sid, cookie),
    );
  }
}

async function liveSession(
  sessions: SessionsService,
  metrics: MetricsService,
  credential: SessionCredential | null,
): Promise<LiveSession | false> {
  const live = (credential && (await sessions.authenticate(credential))) ?? false;
  metrics.countSessionValidation(live !== false);
  return live;
}
