import { HttpException, Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { AccountService } from '../account/account.service.js';
import { ChangePasswordDto } from '../account/dto/change-password.dto.js';
import { OwnerProofDto, StartTotpEnrolmentDto } from '../account/dto/owner-proof.dto.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import type { CreationOptionsDto } from '../credentials/passkeys/dto/webauthn-json.dto.js';
import { passkeyName } from '../credentials/passkeys/passkeys.service.js';
import { TotpCodeDto } from '../credentials/second-factor/dto/second-factor.dto.js';
import type { LiveSession } from '../credentials/sessions/sessions.service.js';
import { passkeySignInIsRecent } from '../identity/credential-lifecycle.service.js';
import { LoginLimiter } from '../identity/login-limiter.service.js';
import type { RequestActor } from '../identity/request-actor.decorator.js';
import { publicKeyFingerprint } from '../user-store/public-key.js';
import { type FormFields, jsonObjectFieldOf } from './form-post.js';
import { FORM_TOKEN_FIELD, FormTokens } from './form-tokens.service.js';
import { jsonDataElementText } from './json-data-element.js';
import type { PortalAnswer } from './portal-pages.service.js';
import { FORM_REFUSED, PortalService, tooManyAttempts, WRONG_CODE } from './portal.service.js';

/** The sections of the account page whose forms change something; an alert is shown in its own. */
export type AccountSection = 'password' | 'second-factor' | 'passkeys' | 'sessions' | 'login-key';

/** What a form that went through says on the page it sends the browser back to (`?done=`). */
const DONE: Record<string, string> = {
  password:
    'Your password was changed. Your other sessions and tokens were ended; this browser stays signed in.',
  'second-factor-off': 'Two-step sign-in is off. Your recovery codes no longer work.',
  sessions: 'You were signed out everywhere else.',
  'login-key': 'Your RSA login key was removed.',
  'passkey-added': 'Your passkey was added: you can sign in with it now.',
  'passkey-renamed': 'Your passkey was renamed.',
  'passkey-removed': 'Your passkey was removed: it no longer signs you in.',
};

const CODE_NEEDED = 'Please enter a code from your authenticator app, or a recovery code.';
const WRONG_PASSWORD = 'The current password is not right.';
const WRONG_PASSWORD_OR_CODE = 'The current password or the code is not right.';
const PASSKEY_NAME = 'Please give the passkey a name of up to 64 characters.';
const NO_SUCH_PASSKEY = 'You have no such passkey: it was removed already.';
const PASSKEY_NOT_MADE = 'No passkey was made, so nothing was added. Please try again.';

/** A refusal, as the self-service route's status would be, worded for a person per status. */
type Wording = Partial<Record<number, string>>;

interface Alert {
  section: AccountSection;
  message: string;
}

/** What a page of the account shows besides its sections: an outcome of the form just sent. */
interface PageState {
  alert?: Alert;
  notice?: string;
  /** A TOTP enrolment just started: the key to scan or type, then the confirm form. */
  enrolment?: { secret: string; qrCodeSvg: string };
  /** The confirm form without the key, after a wrong first code: the key is in the app already. */
  confirming?: boolean;
  /** The recovery codes of a factor just turned on: this page is the only one that shows them. */
  recoveryCodes?: string[];
}

/**
 * The account page of the sign-in portal: what a signed-in browser sees of its account and
 * changes on it, each change a form through the very service of the self-service routes
 * (AccountService, under /api/me), with the browser's session as the caller's credential. So
 * every proof, lock, policy and audit event is theirs; this only reads the forms, turns the
 * service's refusals into the page with its message and the route's status, and shows the result.
 */
@Injectable()
export class AccountPages {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly portal: PortalService,
    private readonly account: AccountService,
    private readonly formTokens: FormTokens,
    private readonly limiter: LoginLimiter,
  ) {}

  /** The page; `done` names a change just made (anything else shows nothing). */
  async show(request: FastifyRequest, done: unknown): Promise<PortalAnswer> {
    const live = await this.portal.liveSessionOf(request);
    if (!live) return this.signInFirst();
    const notice = typeof done === 'string' && Object.hasOwn(DONE, done) ? DONE[done] : undefined;
    return this.page(request, live, 200, { notice });
  }

  /**
   * The current password (and a code when the factor is on) and the new one twice, as
   * `POST /api/me/password` takes them, counted against the password-ops limit as it is.
   */
  changePassword(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'password',
      async (actor) => {
        const { password, newPassword, newPasswordAgain } = form;
        const dto = {
          oldPassword: password ?? '',
          newPassword: newPassword ?? '',
          code: codeOf(form.code),
        };
        if (!password || !newPassword || !valid(ChangePasswordDto, dto)) {
          return refused(400, 'Please enter your current password and a new password twice.');
        }
        if (newPassword !== newPasswordAgain) {
          return refused(400, 'The two new passwords are not the same.');
        }
        await this.limiter.count('password-ops', actor.address);
        await this.account.changePassword(actor, dto);
        return done('password');
      },
      {
        401: CODE_NEEDED,
        403: codeOf(form.code) ? WRONG_PASSWORD_OR_CODE : WRONG_PASSWORD,
      },
    );
  }

  /** Starts enrolling a TOTP factor with the current password: the key to scan, and its confirm form. */
  startSecondFactor(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'second-factor',
      async (actor, live) => {
        const { password } = form;
        if (!password || !valid(StartTotpEnrolmentDto, { password })) {
          return refused(400, 'Please enter your current password.');
        }
        const { secret, qrCodeSvg } = await this.account.startSecondFactor(actor, password);
        return this.page(request, live, 200, { enrolment: { secret, qrCodeSvg } });
      },
      {
        403: WRONG_PASSWORD,
        409: 'Two-step sign-in is on already.',
      },
    );
  }

  /** Turns the factor on with its first code; the recovery codes, on this page alone. */
  confirmSecondFactor(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'second-factor',
      async (actor, live) => {
        const code = codeOf(form.code);
        if (!code || !valid(TotpCodeDto, { code })) {
          return refused(400, 'Please enter the code your authenticator app shows.');
        }
        const { recoveryCodes } = await this.account.confirmSecondFactor(actor, code);
        return this.page(request, live, 200, { recoveryCodes });
      },
      {
        403: WRONG_CODE,
        409: 'No two-step sign-in is waiting to be confirmed. Please start again.',
      },
      (status) => (status === 409 ? {} : { confirming: true }),
    );
  }

  /** Turns the factor off with a TOTP or a recovery code. */
  turnOffSecondFactor(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'second-factor',
      async (actor) => {
        const code = codeOf(form.code);
        if (!code || !valid(TotpCodeDto, { code })) return refused(400, CODE_NEEDED);
        await this.account.disableSecondFactor(actor, code);
        return done('second-factor-off');
      },
      {
        403: WRONG_CODE,
        409: 'Two-step sign-in is off already.',
      },
    );
  }

  /** Signs out everywhere else: every other session of the user ends, this one lives on. */
  endOtherSessions(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(request, form, 'sessions', async (actor) => {
      await this.account.endOtherSessions(actor);
      return done('sessions');
    });
  }

  /** Removes the RSA login key with the proof `DELETE /api/me/public-key` asks. */
  removeLoginKey(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'login-key',
      async (actor) => {
        const dto = { password: form.password ?? '', code: codeOf(form.code) };
        if (!dto.password || !valid(OwnerProofDto, dto)) {
          return refused(400, 'Please enter your current password.');
        }
        await this.account.removePublicKey(actor, dto);
        return done('login-key');
      },
      {
        401: CODE_NEEDED,
        403: codeOf(form.code) ? WRONG_PASSWORD_OR_CODE : WRONG_PASSWORD,
        409: 'No RSA login key is set.',
      },
    );
  }

  /**
   * Starts adding a passkey with the proof `POST /api/me/passkeys/options` asks (the current
   * password, and a code when the factor is on), or with none when this browser's session signed
   * in with a passkey a moment ago (the page then asks for no password): the page that has the
   * browser make the passkey, for its creation options.
   */
  startPasskey(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    const afterPasskeySignIn = form.password === undefined;
    return this.submit(
      request,
      form,
      'passkeys',
      async (actor, live) => {
        if (afterPasskeySignIn) {
          const options = await this.account.passkeyOptionsAfterPasskeySignIn(actor, live.session);
          return this.passkeyPage(live, options);
        }
        const dto = { password: form.password ?? '', code: codeOf(form.code) };
        if (!dto.password || !valid(OwnerProofDto, dto)) {
          return refused(400, 'Please enter your current password.');
        }
        return this.passkeyPage(live, await this.account.passkeyOptions(actor, dto));
      },
      {
        401: CODE_NEEDED,
        403: afterPasskeySignIn
          ? 'You signed in with a passkey more than 5 minutes ago: please enter your current password.'
          : codeOf(form.code)
            ? WRONG_PASSWORD_OR_CODE
            : WRONG_PASSWORD,
      },
    );
  }

  /**
   * Adds the passkey the browser made (`response`, for the challenge `challengeId` of the
   * creation options this user was given) under its `name`, as `POST /api/me/passkeys` does.
   */
  addPasskey(request: FastifyRequest, form: FormFields): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'passkeys',
      async (actor) => {
        const response = jsonObjectFieldOf(form.response);
        if (response === undefined || !form.challengeId) return refused(400, PASSKEY_NOT_MADE);
        const name = nameOf(form.name);
        if (!name) return refused(400, PASSKEY_NAME);
        await this.account.addPasskey(actor, {
          challengeId: form.challengeId,
          name,
          response,
        });
        return done('passkey-added');
      },
      {
        400: 'The passkey could not be added: it was not made for this site, or it took longer than 5 minutes. Please try again.',
        409: 'This passkey is on your account already.',
      },
    );
  }

  /** Gives one of the user's passkeys a new name. */
  renamePasskey(request: FastifyRequest, form: FormFields, id: string): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'passkeys',
      async (actor) => {
        const name = nameOf(form.name);
        if (!name) return refused(400, PASSKEY_NAME);
        const passkeyId = idOf(id);
        if (passkeyId === null) return refused(404, NO_SUCH_PASSKEY);
        await this.account.renamePasskey(actor, passkeyId, name);
        return done('passkey-renamed');
      },
      { 404: NO_SUCH_PASSKEY },
    );
  }

  /** Removes one of the user's passkeys: no proof, as `DELETE /api/me/passkeys/{id}` asks none. */
  removePasskey(request: FastifyRequest, form: FormFields, id: string): Promise<PortalAnswer> {
    return this.submit(
      request,
      form,
      'passkeys',
      async (actor) => {
        const passkeyId = idOf(id);
        if (passkeyId === null) return refused(404, NO_SUCH_PASSKEY);
        await this.account.removePasskey(actor, passkeyId);
        return done('passkey-removed');
      },
      { 404: NO_SUCH_PASSKEY },
    );
  }

  /** The page that has the browser make a passkey for `options`, and sends it with its name. */
  private passkeyPage(
    live: LiveSession,
    { challengeId, ...options }: CreationOptionsDto,
  ): PortalAnswer {
    return {
      kind: 'page',
      status: 200,
      view: 'passkey-add',
      data: {
        username: live.user.username,
        challengeId,
        creationOptions: jsonDataElementText(options),
      },
    };
  }

  /**
   * A form of the page sent: from a signed-in browser, with its form token (403 and nothing done
   * without one), then `act` as the browser's session. A refusal re-renders the page with its
   * message in the form's section and the status the self-service route answers.
   */
  private async submit(
    request: FastifyRequest,
    form: FormFields,
    section: AccountSection,
    act: (actor: RequestActor, live: LiveSession) => Promise<PortalAnswer | Refusal>,
    wording: Wording = {},
    stateOnRefusal: (status: number) => PageState = () => ({}),
  ): Promise<PortalAnswer> {
    const live = await this.portal.liveSessionOf(request);
    if (!live) return this.signInFirst();
    const refuse = (status: number, message: string, retryAfterSeconds?: number) =>
      this.page(
        request,
        live,
        status,
        { ...stateOnRefusal(status), alert: { section, message } },
        retryAfterSeconds,
      );
    if (!this.formTokens.accepted(request, form[FORM_TOKEN_FIELD])) {
      return this.page(request, live, 403, { alert: { section, message: FORM_REFUSED } });
    }
    try {
      const answer = await act(actorOf(live, request), live);
      if (answer.kind !== 'refused') return answer;
      return await refuse(answer.status, answer.message);
    } catch (error) {
      if (error instanceof TooManyAttemptsException) {
        const seconds = error.retryAfterSeconds;
        return refuse(429, tooManyAttempts(seconds), seconds);
      }
      // A missing TOTP_ENCRYPTION_KEY (503) is said as the API says it; any other fault is one.
      if (
        !(error instanceof HttpException) ||
        (error.getStatus() >= 500 && error.getStatus() !== 503)
      ) {
        throw error;
      }
      const status = error.getStatus();
      return refuse(status, wording[status] ?? messageOf(error));
    }
  }

  private async page(
    request: FastifyRequest,
    live: LiveSession,
    status: number,
    state: PageState,
    retryAfterSeconds?: number,
  ): Promise<PortalAnswer> {
    const actor = actorOf(live, request);
    const profile = await this.account.profile(live.user.id);
    const sessions = await this.account.listSessions(actor);
    return {
      kind: 'page',
      status,
      view: 'account',
      retryAfterSeconds,
      data: {
        ...state,
        user: {
          username: profile.username,
          name: [profile.firstName, profile.lastName].filter(Boolean).join(' '),
          email: profile.email,
          privilege: profile.privilege,
          groups: profile.groups.map((group) => group.name),
          lastLogin: profile.lastLoginTime && readableTime(profile.lastLoginTime),
        },
        secondFactor: profile.secondFactor,
        passkeys: profile.passkeys.map((passkey) => ({
          id: passkey.id,
          name: passkey.name,
          created: readableTime(passkey.createdAt),
          lastUsed: passkey.lastUsedAt && readableTime(passkey.lastUsedAt),
        })),
        passkeysAvailable: this.config.webauthn.id !== null,
        passkeyProofRecent: this.passkeySignInIsRecent(live),
        loginKey: profile.publicKey && { fingerprint: publicKeyFingerprint(profile.publicKey) },
        sessions: sessions.map((session) => ({
          sid: session.sid,
          created: readableTime(session.createdAt),
          lastUsed: readableTime(session.lastSeenAt),
          address: session.clientAddress,
          agent: session.userAgent,
          current: session.sid === live.session.id,
        })),
      },
    };
  }

  /**
   * Whether this browser's session signed in with a passkey recently enough that adding another
   * needs no password: the page then asks for none (the credential lifecycle judges it again).
   */
  private passkeySignInIsRecent({ session }: LiveSession): boolean {
    return passkeySignInIsRecent(session, this.clock.nowMs());
  }

  private signInFirst(): PortalAnswer {
    const rd = encodeURIComponent(`${this.config.publicUrl}/account`);
    return { kind: 'redirect', location: `/signin?rd=${rd}` };
  }
}

/** A form the page refuses itself, before the service is asked: nothing counted, nothing done. */
interface Refusal {
  kind: 'refused';
  status: number;
  message: string;
}

function refused(status: number, message: string): Refusal {
  return { kind: 'refused', status, message };
}

/** Back to the page, which says what was done: a reload then sends nothing again. */
function done(what: keyof typeof DONE): PortalAnswer {
  return { kind: 'redirect', location: `/account?done=${what}` };
}

/** The browser's session as the caller of a self-service change, from where the request came. */
function actorOf(live: LiveSession, request: FastifyRequest): RequestActor {
  return {
    caller: { user: live.user, credential: { kind: 'session', id: live.session.id } },
    address: request.ip ?? null,
    agent: request.headers['user-agent'] ?? null,
  };
}

/** A passkey's name as given, when the credential store takes it (trimmed); else null. */
function nameOf(name: string | undefined): string | null {
  try {
    return passkeyName(name ?? '');
  } catch {
    return null;
  }
}

/** A passkey's id as the form's path gives it; null when it is not one. */
function idOf(id: string): number | null {
  return /^[1-9][0-9]{0,9}$/.test(id) && Number(id) <= 2_147_483_647 ? Number(id) : null;
}

/** A code as typed: spaces (as apps group digits) left out; none when empty. */
function codeOf(code: string | undefined): string | undefined {
  return code?.replace(/\s+/g, '') || undefined;
}

/** Whether `fields` pass the self-service route's own checks of its body. */
function valid(dto: new () => object, fields: Record<string, unknown>): boolean {
  return validateSync(plainToInstance(dto, fields)).length === 0;
}

/** A refusal's own message, where it speaks to the person (the policy's, a missing setting's). */
function messageOf(error: HttpException): string {
  const response = error.getResponse();
  const message =
    typeof response === 'object' && 'message' in response ? response.message : error.message;
  const text = Array.isArray(message) ? message.join('; ') : String(message);
  return text.replace(/^newPassword\b/, 'The new password');
}

/** A time as the page shows it: to the minute, in UTC, which every reader can place. */
function readableTime(iso: string): { iso: string; text: string } {
  return { iso, text: `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` };
}
