import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import type { LoginContext } from './session-login.service.js';
import { loginAttemptOf } from '../identity/login-attempt.js';
import { sessionFromCookie } from '../identity/request-credentials.js';

export type LoginRequest = FastifyRequest<{ Querystring: { sid?: unknown } }>;

/** The LoginContext of a session login: client address and agent, `?sid=` with the cookie, the SSO header. */
export function loginContextOf(request: LoginRequest, config: AppConfig): LoginContext {
  const sid = request.query?.sid;
  const ssoUser = request.headers[config.sso.header];
  return {
    client: { address: request.ip ?? null, userAgent: request.headers['user-agent'] ?? null },
    peerAddress: request.socket.remoteAddress ?? null,
    reuse: sessionFromCookie(sid, request.cookies?.[config.sessions.cookieName]),
    ssoUser: typeof ssoUser === 'string' ? ssoUser : undefined,
    limitCounted: loginAttemptOf('session', request).limitCounted === true,
  };
}
