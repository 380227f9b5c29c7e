import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/app-config.js';

/** The session secret's cookie: HttpOnly, SameSite=Lax, Path=/, Secure when configured. */
export function setSessionCookie(reply: FastifyReply, config: AppConfig, secret: string): void {
  reply.setCookie(config.sessions.cookieName, secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.cookieSecure,
    maxAge: Math.floor(config.sessions.absoluteTimeoutMs / 1000),
  });
}

export function clearSessionCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(config.sessions.cookieName, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.cookieSecure,
  });
}

/** The Set-Cookie a session login answers with, as the OpenAPI document describes it. */
export const SESSION_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      'The session secret: GCN_SESSION_SECRET (or SESSION_COOKIE_NAME) = 64 hex characters; HttpOnly, SameSite=Lax, Path=/, Secure when COOKIE_SECURE',
    schema: {
      type: 'string',
      example: 'GCN_SESSION_SECRET=9f86d0…; Max-Age=28800; Path=/; HttpOnly; SameSite=Lax',
    },
  },
};

/** The Set-Cookie of a logout, which expires the session cookie. */
export const EXPIRED_SESSION_COOKIE_HEADER = {
  'Set-Cookie': {
    description: 'The session cookie, expired',
    schema: {
      type: 'string',
      example:
        'GCN_SESSION_SECRET=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; SameSite=Lax',
    },
  },
};
