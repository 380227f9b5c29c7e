import Tokens from '@fastify/csrf';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { isSecure } from './browser-session-cookie.js';
import { PortalKeys } from './portal-keys.service.js';

/** The form field every portal form carries its token in. */
export const FORM_TOKEN_FIELD = '_csrf';

/** The cookie that holds the browser's form-token secret: this host's alone, never a subdomain's. */
export const FORM_SECRET_COOKIE = 'gatehouse_csrf';

/** A secret as @fastify/csrf makes it: 18 random bytes in base64url. */
const SECRET = /^[A-Za-z0-9_-]{24}$/;

/**
 * Form tokens against cross-site request forgery, by @fastify/csrf: each browser has a random
 * secret in an HttpOnly cookie, and each form carries a token made from it under the portal's key
 * (kept in the database, so that a form served by one instance is accepted by every other). A
 * POST is the browser's own only when it comes from this site (`Origin`, when sent, is the
 * portal's) and its token was made for the secret its cookie holds; a page on another site can
 * read neither. The sign-in form has one too, so that no other site signs a browser in.
 */
@Injectable()
export class FormTokens {
  private tokens?: Tokens.TokensSimple;

  constructor(
    private readonly keys: PortalKeys,
    private readonly config: AppConfig,
  ) {}

  /** A token for the forms of a page, setting the browser's secret when it has none yet. */
  issue(request: FastifyRequest, reply: FastifyReply): string {
    let secret = this.secretOf(request);
    if (!secret) {
      secret = this.generator().secretSync();
      reply.setCookie(FORM_SECRET_COOKIE, secret, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: isSecure(this.config),
      });
    }
    return this.generator().create(secret);
  }

  /**
   * The browser's form secret when a form POST is its own (from this site, with a token made for
   * its secret), else null: the request is then refused.
   */
  accepted(request: FastifyRequest, token: unknown): string | null {
    if (!this.fromThisSite(request)) return null;
    const secret = this.secretOf(request);
    if (!secret || typeof token !== 'string') return null;
    return this.generator().verify(secret, token) ? secret : null;
  }

  private secretOf(request: FastifyRequest): string | null {
    const secret = request.cookies[FORM_SECRET_COOKIE];
    return secret !== undefined && SECRET.test(secret) ? secret : null;
  }

  /**
   * Whether the browser says the request comes from this site: `Sec-Fetch-Site` is not
   * cross-site, and `Origin`, when sent, is the portal's (PUBLIC_URL's, or the one it was reached
   * at). A browser sends Origin with every form POST; a request without it is judged by its token.
   */
  private fromThisSite(request: FastifyRequest): boolean {
    if (request.headers['sec-fetch-site'] === 'cross-site') return false;
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    return (
      origin === new URL(this.config.publicUrl).origin ||
      origin === `${request.protocol}://${request.host}`
    );
  }

  private generator(): Tokens.TokensSimple {
    this.tokens ??= Tokens({ hmacKey: this.keys.formTokens });
    return this.tokens;
  }
}
