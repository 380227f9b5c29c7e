import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { AppConfig } from '../config/app-config.js';
import { bearerToken, sessionFromCookie, sessionIdOf } from './request-credentials.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { looksLikeJwt } from '../credentials/access-tokens/jwt-shape.js';

/** The credential a request was authenticated with, so that "my other sessions" can spare it. */
export type CallerCredential =
  | { kind: 'jwt'; jti: string }
  | { kind: 'user-token'; id: number }
  | { kind: 'session'; id: number };

export interface Caller {
  user: User;
  credential: CallerCredential;
}

/** Which credentials a route takes besides an access JWT and a session. */
export interface CallerOptions {
  userToken: boolean;
}

/**
 * Who calls an administration or self-service route. Each credential goes through the check its
 * own API uses (AccessTokensService, UserTokensService, SessionsService), so revocation, a
 * disabled user and a password change since issue are honoured alike. A request that carries an
 * Authorization header is judged by it alone: a bad token is not rescued by a cookie.
 */
@Injectable()
export class CallersService {
  constructor(
    private readonly config: AppConfig,
    private readonly accessTokens: AccessTokensService,
    private readonly userTokens: UserTokensService,
    private readonly sessions: SessionsService,
  ) {}

  async identify(request: FastifyRequest, options: CallerOptions): Promise<Caller | null> {
    if (request.headers.authorization !== undefined) return this.fromBearer(request, options);
    return this.fromSession(request);
  }

  private async fromBearer(
    request: FastifyRequest,
    options: CallerOptions,
  ): Promise<Caller | null> {
    const token = bearerToken(request);
    if (!token) return null;
    if (looksLikeJwt(token)) {
      const verified = await this.accessTokens.verify(token);
      return (
        verified && { user: verified.user, credential: { kind: 'jwt', jti: verified.claims.jti } }
      );
    }
    if (!options.userToken) return null;
    const authenticated = await this.userTokens.authenticate(token);
    return (
      authenticated && {
        user: authenticated.user,
        credential: { kind: 'user-token', id: authenticated.userToken.id },
      }
    );
  }

  private async fromSession(request: FastifyRequest): Promise<Caller | null> {
    const credential = sessionFromCookie(
      sessionIdOf(request),
      request.cookies?.[this.config.sessions.cookieName],
    );
    const live = credential && (await this.sessions.authenticate(credential));
    return live ? { user: live.user, credential: { kind: 'session', id: live.session.id } } : null;
  }
}
