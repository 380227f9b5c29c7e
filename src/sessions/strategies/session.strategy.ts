import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import { type LiveSession, parseSessionCredential, SessionsService } from '../sessions.service.js';

type SessionRequest = FastifyRequest<{ Params: { sid?: string }; Querystring: { sid?: string } }>;

/**
 * A session as a Passport credential: the sid from the path or the `sid` query parameter, the
 * secret from the path (right after the sid) or from the session cookie.
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

  async validate(request: SessionRequest): Promise<LiveSession | false> {
    const sidValue = request.params?.sid ?? request.query?.sid;
    const credential = parseSessionCredential(
      typeof sidValue === 'string' ? sidValue : undefined,
      request.cookies?.[this.config.sessions.cookieName],
    );
    const live = (credential && (await this.sessions.authenticate(credential))) ?? false;
    this.metrics.countSessionValidation(live !== false);
    return live;
  }
}
