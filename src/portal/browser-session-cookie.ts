import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/app-config.js';

/**
 * The browser session cookie's attributes, the same when it is set and when it is expired (a
 * browser only replaces a cookie of the same name, domain and path): HttpOnly, SameSite=Lax,
 * Path=/, Secure when PUBLIC_URL is https or COOKIE_SECURE, COOKIE_DOMAIN's Domain when set.
 */
function attributesOf(config: AppConfig): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: isSecure(config),
    ...(config.portal.cookieDomain && { domain: config.portal.cookieDomain }),
  };
}

/** Whether the portal's cookies are sent over https only. */
export function isSecure(config: AppConfig): boolean {
  return config.cookieSecure || config.publicUrl.startsWith('https:');
}

/** The browser's session: its sid followed directly by its secret, for as long as a session lasts. */
export function setBrowserSessionCookie(
  reply: FastifyReply,
  config: AppConfig,
  sidWithSecret: string,
): void {
  reply.setCookie(config.portal.cookieName, sidWithSecret, {
    ...attributesOf(config),
    maxAge: Math.floor(config.sessions.absoluteTimeoutMs / 1000),
  });
}

export function clearBrowserSessionCookie(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(config.portal.cookieName, attributesOf(config));
}
