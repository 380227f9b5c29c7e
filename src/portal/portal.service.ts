import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { AppConfig } from '../config/app-config.js';
import { browserBindingOf } from '../credentials/passkeys/browser-binding.js';
import { type LiveSession, SessionsService } from '../credentials/sessions/sessions.service.js';
import { loginAttemptOf } from '../identity/login-attempt.js';
import { PasswordCheckService } from '../identity/password-check.service.js';
import { browserSession } from '../identity/request-credentials.js';
import type { User } from '../user-store/entities/user.entity.js';
import { UsersService } from '../user-store/users.service.js';
import { type FormFields, jsonObjectFieldOf } from './form-post.js';
import { FormTokens, FORM_TOKEN_FIELD } from './form-tokens.service.js';
import { openPendingSignIn, PENDING_SIGN_IN_MS, sealPendingSignIn } from './pending-sign-in.js';
import { PortalKeys } from './portal-keys.service.js';
import type { PortalAnswer } from './portal-pages.service.js';
import { redirectTarget } from './redirect-target.js';

/** The name the portal's logins and sessions are audited under. */
const PORTAL_API = 'portal';

/** Where the code is asked for, as the answers that ask for one name it. */
const CODE_FIELD = 'the code field';

const WRONG_CREDENTIALS = 'The username or password is not right.';
export const WRONG_CODE = 'That code is not right, or it was used already.';
export const FORM_REFUSED =
  'This form had expired or came from another site, so nothing was done. Please try again.';
const STEP_EXPIRED = 'Signing in took too long. Please enter your password again.';
const PASSKEY_REFUSED =
  'That passkey was not accepted. Please try again, or sign in with your password.';
const PASSKEYS_UNAVAILABLE = 'Passkeys are not set up here. Please sign in with your password.';
const PASSKEY_UNREADABLE =
  'The passkey did not answer as expected, so nothing was done. Please try again.';

export const tooManyAttempts = (seconds: number) => `Too many attempts, try again in ${seconds} s.`;

/**
 * The sign-in portal: a browser signs in with the one password check every API uses (and the
 * code of its second factor, in a second step), and gets a session of the one sessions table in
 * one cookie; it signs out with the session API's own ending of a session.
 */
@Injectable()
export class PortalService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly passwords: PasswordCheckService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly formTokens: FormTokens,
    private readonly keys: PortalKeys,
  ) {}

  /** The sign-in form; a browser signed in already goes on at once. */
  async signInForm(request: FastifyRequest, rd: unknown): Promise<PortalAnswer> {
    const next = this.nextOf(rd);
    if (await this.liveSessionOf(request))
      return { kind: 'redirect', location: next ?? '/account' };
    return this.signInPage(200, next);
  }

  /**
   * A sign-in form sent: its first step (username and password), its second (the code), or a
   * passkey, alone or instead of the code.
   */
  async signIn(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    const next = this.nextOf(form.rd);
    const browser = this.formTokens.accepted(request, form[FORM_TOKEN_FIELD]);
    if (!browser) return this.signInPage(403, next, { message: FORM_REFUSED });
    if (form.passkey !== undefined) return this.passkeyStep(request, form, browser, next);
    if (form.pending !== undefined) return this.secondStep(request, form, browser, next);
    const { username, password } = form;
    if (!username || !password) {
      return this.signInPage(400, next, {
        message: 'Please enter your username and password.',
        username,
      });
    }
    try {
      const user = await this.passwords.check(
        username,
        password,
        loginAttemptOf(PORTAL_API, request),
        { code: null, field: CODE_FIELD },
      );
      if (!user) return this.signInPage(401, next, { message: WRONG_CREDENTIALS, username });
      return await this.signedIn(user, request, next);
    } catch (error) {
      if (error instanceof SecondFactorRequiredException) {
        // The password was right: the user exists, and the second step names them.
        const user = (await this.users.findByUsername(username))!;
        return this.codePage(200, user, browser, next);
      }
      if (error instanceof TooManyAttemptsException) {
        return this.signInPage(429, next, {
          message: tooManyAttempts(error.retryAfterSeconds),
          username,
          retryAfterSeconds: error.retryAfterSeconds,
        });
      }
      throw error;
    }
  }

  /** The sign-out page: a button, since a GET never changes anything. */
  signOutForm(rd: unknown): PortalAnswer {
    const next = this.nextOf(rd);
    return { kind: 'page', status: 200, view: 'signout', data: { rd: next }, next };
  }

  /** Ends the browser's session (when it has a live one) and expires its cookie. */
  async signOut(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    const next = this.nextOf(form.rd);
    if (!this.formTokens.accepted(request, form[FORM_TOKEN_FIELD])) {
      return {
        kind: 'page',
        status: 403,
        view: 'signout',
        data: { rd: next, message: FORM_REFUSED },
        next,
      };
    }
    const live = await this.liveSessionOf(request);
    if (live) await this.sessions.end(live.session, false);
    return { kind: 'redirect', location: next ?? '/signin', session: 'end' };
  }

  private async secondStep(
    request: FastifyRequest,
    form: FormFields,
    browser: string,
    next: string | null,
  ): Promise<PortalAnswer> {
    const user = await this.pendingUserOf(form.pending, browser);
    if (!user) return this.signInPage(401, next, { message: STEP_EXPIRED });
    const code = form.code?.replace(/\s+/g, '') || null;
    try {
      const signedIn = await this.passwords.completeLogin(
        user,
        code,
        loginAttemptOf(PORTAL_API, request),
        CODE_FIELD,
      );
      if (!signedIn) return this.codePage(401, user, browser, next, { message: WRONG_CODE });
      return await this.signedIn(signedIn, request, next);
    } catch (error) {
      if (error instanceof SecondFactorRequiredException) {
        return this.codePage(401, user, browser, next, { message: 'Please enter a code.' });
      }
      if (error instanceof TooManyAttemptsException) {
        return this.codePage(429, user, browser, next, {
          message: tooManyAttempts(error.retryAfterSeconds),
          retryAfterSeconds: error.retryAfterSeconds,
        });
      }
      throw error;
    }
  }

  /**
   * A passkey's sign-in: the assertion (`passkey`, as the page's script had the browser make it)
   * of the challenge `challengeId`, which this browser's page asked for, judged by the one login
   * check (limit, lock, audit). Alone it is a whole sign-in; with `pending`, the second step of
   * one whose password was right, the passkey must be that user's.
   */
  private async passkeyStep(
    request: FastifyRequest,
    form: FormFields,
    browser: string,
    next: string | null,
  ): Promise<PortalAnswer> {
    const pending =
      form.pending === undefined ? null : await this.pendingUserOf(form.pending, browser);
    if (form.pending !== undefined && !pending) {
      return this.signInPage(401, next, { message: STEP_EXPIRED });
    }
    const refuse = (status: number, detail: SignInPageDetail) =>
      pending
        ? this.codePage(status, pending, browser, next, detail)
        : this.signInPage(status, next, detail);
    if (this.config.webauthn.id === null) return refuse(503, { message: PASSKEYS_UNAVAILABLE });
    const response = jsonObjectFieldOf(form.passkey);
    if (response === undefined) return refuse(400, { message: PASSKEY_UNREADABLE });
    try {
      const user = await this.passwords.checkPasskey(
        form.challengeId || null,
        response,
        loginAttemptOf(PORTAL_API, request),
        { browser: browserBindingOf(browser), ...(pending && { user: pending }) },
      );
      if (!user) return refuse(401, { message: PASSKEY_REFUSED });
      return await this.signedIn(user, request, next, { passkeySignIn: true });
    } catch (error) {
      if (error instanceof TooManyAttemptsException) {
        const seconds = error.retryAfterSeconds;
        return refuse(429, { message: tooManyAttempts(seconds), retryAfterSeconds: seconds });
      }
      throw error;
    }
  }

  /**
   * The user of a pending sign-in `value` sealed for this browser, while it lasts and their
   * credentials are as they were when the password was right; else null.
   */
  private async pendingUserOf(value: unknown, browser: string): Promise<User | null> {
    const { pendingSignIn: key } = this.keys;
    const pending = openPendingSignIn(value, browser, key, this.clock.nowMs());
    const user = pending && (await this.users.findById(pending.userId));
    if (!user || user.credentialVersion !== pending!.credentialVersion) return null;
    return user;
  }

  /**
   * A session for `user`, in the one sessions table, and the browser sent on with its cookie.
   * `passkeySignIn`: the session records that a passkey opened it, which lets this browser add
   * another passkey within a few minutes without the password.
   */
  private async signedIn(
    user: User,
    request: FastifyRequest,
    next: string | null,
    { passkeySignIn = false }: { passkeySignIn?: boolean } = {},
  ): Promise<PortalAnswer> {
    const attempt = loginAttemptOf(PORTAL_API, request);
    const { session, secret } = await this.sessions.start(
      user,
      { address: attempt.address, userAgent: attempt.agent },
      { passkeySignIn },
    );
    await this.users.recordLogin(user);
    await this.audit.record({
      type: 'session.start',
      outcome: 'success',
      api: PORTAL_API,
      address: attempt.address,
      agent: attempt.agent,
      userId: user.id,
      username: user.username,
      detail: { sid: session.id },
    });
    return {
      kind: 'redirect',
      location: next ?? '/account',
      session: { set: `${session.id}${secret}` },
    };
  }

  private signInPage(
    status: number,
    next: string | null,
    { message, username, retryAfterSeconds }: SignInPageDetail = {},
  ): PortalAnswer {
    return {
      kind: 'page',
      status,
      view: 'signin',
      data: { rd: next, message, username },
      next,
      retryAfterSeconds,
    };
  }

  private codePage(
    status: number,
    user: User,
    browser: string,
    next: string | null,
    { message, retryAfterSeconds }: SignInPageDetail = {},
  ): PortalAnswer {
    const pending = sealPendingSignIn(
      {
        userId: user.id,
        credentialVersion: user.credentialVersion,
        expiresAtMs: this.clock.nowMs() + PENDING_SIGN_IN_MS,
      },
      browser,
      this.keys.pendingSignIn,
    );
    const restart = next ? `/signin?rd=${encodeURIComponent(next)}` : '/signin';
    return {
      kind: 'page',
      status,
      view: 'code',
      data: { rd: next, message, username: user.username, pending, restart },
      next,
      retryAfterSeconds,
    };
  }

  private nextOf(rd: unknown): string | null {
    const { publicUrl, portal } = this.config;
    return redirectTarget(rd, {
      publicUrl,
      cookieDomain: portal.cookieDomain,
      extraHosts: portal.redirectHosts,
    });
  }

  /** The browser's live session (from the portal's cookie), or null. */
  async liveSessionOf(request: FastifyRequest): Promise<LiveSession | null> {
    const credential = browserSession(request, this.config.portal.cookieName);
    return credential && this.sessions.authenticate(credential);
  }
}

interface SignInPageDetail {
  message?: string;
  username?: string;
  retryAfterSeconds?: number;
}
