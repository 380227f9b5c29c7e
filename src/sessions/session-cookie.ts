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
