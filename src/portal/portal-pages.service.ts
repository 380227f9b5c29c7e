import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { clearBrowserSessionCookie, setBrowserSessionCookie } from './browser-session-cookie.js';
import { FormTokens } from './form-tokens.service.js';
import { PortalScripts } from './portal-scripts.service.js';

const VIEWS = fileURLToPath(new URL('./views', import.meta.url));

/** The portal's pages, each a template of views/. */
export type PortalView = 'signin' | 'code' | 'signout' | 'account' | 'passkey-add';

/** The pages that offer a passkey, and so the only ones that run a script. */
const SCRIPTED_VIEWS: ReadonlySet<PortalView> = new Set(['signin', 'code', 'passkey-add']);

/** What a portal request is answered with: a page, or a redirect (303, after a POST too). */
export type PortalAnswer =
  | {
      kind: 'page';
      status: number;
      view: PortalView;
      data: Record<string, unknown>;
      /** Where the page's form sends the browser on, when it is another site: CSP's form-action. */
      next?: string | null;
      retryAfterSeconds?: number;
    }
  | {
      kind: 'redirect';
      location: string;
      /** The browser's session to set (its sid followed by its secret), or to expire. */
      session?: { set: string } | 'end';
    };

/**
 * Renders the portal's pages with Eta, which escapes every value it prints, and answers them with
 * a Content-Security-Policy that allows nothing but the page's own style element (by its hash)
 * and forms sent to the portal (or to where the sign-in goes on), nothing from another site. Only
 * the pages that offer a passkey run scripts: the portal's own two, by a nonce made for that one
 * answer, and requests to the portal itself (the passkey sign-in's options); every other page
 * runs none. Every page is kept out of caches: it carries a form token, or who is signed in.
 */
@Injectable()
export class PortalPages {
  private readonly eta = new Eta({ views: VIEWS, cache: true, autoEscape: true });
  private readonly css = readFileSync(`${VIEWS}/portal.css`, 'utf8');
  private readonly styleHash = `'sha256-${createHash('sha256').update(this.css).digest('base64')}'`;

  constructor(
    private readonly config: AppConfig,
    private readonly formTokens: FormTokens,
    private readonly scripts: PortalScripts,
  ) {}

  send(request: FastifyRequest, reply: FastifyReply, answer: PortalAnswer): FastifyReply {
    reply.header('Cache-Control', 'no-store');
    // The app's no-referrer makes a browser send `Origin: null` with the page's own form posts,
    // which the form check must refuse; same-origin names the portal to itself and, as
    // no-referrer did, nothing of its addresses (rd) to another site.
    reply.header('Referrer-Policy', 'same-origin');
    if (answer.kind === 'redirect') {
      if (answer.session === 'end') clearBrowserSessionCookie(reply, this.config);
      else if (answer.session) setBrowserSessionCookie(reply, this.config, answer.session.set);
      return reply.code(303).header('Location', answer.location).send();
    }
    const nonce = this.runsScripts(answer.view) ? randomBytes(18).toString('base64') : null;
    const html = this.eta.render(answer.view, {
      ...answer.data,
      title: this.config.portal.title,
      csrf: this.formTokens.issue(request, reply),
      css: this.css,
      scripts: nonce && {
        nonce,
        src: [this.scripts.webAuthn.src, this.scripts.passkeys.src],
      },
    });
    if (answer.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(answer.retryAfterSeconds));
    }
    return reply
      .code(answer.status)
      .header('Content-Security-Policy', this.policy(answer.next ?? null, nonce))
      .type('text/html; charset=utf-8')
      .send(html);
  }

  /** Whether the page offers a passkey: only while passkeys are set up (a relying party ID). */
  private runsScripts(view: PortalView): boolean {
    return SCRIPTED_VIEWS.has(view) && this.config.webauthn.id !== null;
  }

  private policy(next: string | null, nonce: string | null): string {
    // Browsers hold a form's redirect to form-action too: the sign-in's 303 to another site.
    const formAction = next ? `'self' ${new URL(next).origin}` : "'self'";
    return [
      "default-src 'none'",
      ...(nonce ? [`script-src 'nonce-${nonce}'`, "connect-src 'self'"] : []),
      `style-src ${this.styleHash}`,
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; ');
  }
}
