import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import type { LoginAttempt } from '../identity/login-attempt.js';
import { PasswordCheckService } from '../identity/password-check.service.js';
import { genericResponse, sessionApiFailures } from '../common/dialects/generic-response.js';
import { AppConfig } from '../config/app-config.js';
import type { User } from '../user-store/entities/user.entity.js';
import { UsersService } from '../user-store/users.service.js';
import type { LoginRequestDto, LoginWithRsaRequestDto } from './dto/session-requests.dto.js';
import type { AuthenticationResponseDto, LoginResponseDto } from './dto/session-responses.dto.js';
import { RsaLoginService } from './rsa-login.service.js';
import type { SessionCredential } from '../identity/request-credentials.js';
import { type SessionClient, SessionsService } from '../credentials/sessions/sessions.service.js';
import type { EpochSnapshot } from '../credentials/liveness/credential-state-cache.js';

/** Who is logging in from where, and which session they hold already (`?sid=` and the cookie). */
export interface LoginContext {
  client: SessionClient;
  /** The address of the machine at the other end of the connection: for SSO, the proxy itself. */
  peerAddress: string | null;
  reuse: SessionCredential | null;
  /** The SSO header's value, when the request carries one. */
  ssoUser?: string;
  /** Whether the login route counted the request against the per-address limit already. */
  limitCounted: boolean;
}

export interface SessionLogin {
  response: LoginResponseDto;
  /** The new secret for the cookie, or null when an existing session was re-used. */
  secret: string | null;
}

/** The session API's three ways in: credentials, an RSA signature, and SSO through a trusted proxy. */
@Injectable()
export class SessionLoginService {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordCheckService,
    private readonly sessions: SessionsService,
    private readonly rsaLogin: RsaLoginService,
    private readonly audit: AuditService,
  ) {}

  async withPassword(dto: LoginRequestDto, context: LoginContext): Promise<SessionLogin> {
    const user = await this.passwords.check(
      dto.login,
      dto.password,
      { ...attemptOf(context), limitCounted: context.limitCounted },
      { code: dto.otp ?? null, field: 'otp' },
    );
    if (!user) throw sessionApiFailures.wrongCredentials();
    return this.open(user, context);
  }

  async withRsaSignature(
    dto: LoginWithRsaRequestDto,
    context: LoginContext,
  ): Promise<SessionLogin> {
    const user = await this.rsaLogin.authenticate(dto);
    await this.recordLogin(context, 'rsa', dto.username, user);
    // Expired, replayed or forged: the same answer as wrong credentials, saying nothing more.
    if (!user) throw sessionApiFailures.wrongCredentials();
    return this.open(user, context);
  }

  /**
   * SSO: the user named by the trusted proxy's header. Null, which the route answers NOTFOUND as
   * the original does, whenever no one is logged in: SSO off, a caller that is not a trusted
   * proxy, no name, or no enabled user of that name. One answer for all, so that an outsider
   * learns nothing of the setup; the audit event keeps which it was.
   */
  async withSso(context: LoginContext): Promise<SessionLogin | null> {
    const { trustedProxies } = this.config.sso;
    const address = context.peerAddress?.replace(/^::ffff:/, '');
    if (!address || !trustedProxies.includes(address)) {
      await this.recordLogin(context, 'sso', context.ssoUser ?? null, null, 'untrusted-caller');
      return null;
    }
    const user = context.ssoUser ? await this.users.findByUsername(context.ssoUser) : null;
    if (!user?.enabled) {
      await this.recordLogin(context, 'sso', context.ssoUser ?? null, null, 'NOTFOUND');
      return null;
    }
    await this.recordLogin(context, 'sso', context.ssoUser!, user);
    return this.open(user, context);
  }

  /** The session API's answer for `user`; `snapshot` is the epoch their session was read at. */
  async authenticationResponse(
    user: User,
    snapshot?: EpochSnapshot,
  ): Promise<AuthenticationResponseDto> {
    return {
      user: await this.sessions.describeUser(user, snapshot),
      ...genericResponse('OK', 'Successfully validated given SID'),
    };
  }

  private async open(user: User, context: LoginContext): Promise<SessionLogin> {
    const { session, secret } = await this.sessions.open(user, context.client, context.reuse);
    if (secret) {
      await this.users.recordLogin(user);
      await this.audit.record({
        type: 'session.start',
        outcome: 'success',
        ...attemptOf(context),
        userId: user.id,
        username: user.username,
        detail: { sid: session.id },
      });
    }
    const response: LoginResponseDto = {
      sid: String(session.id),
      user: await this.sessions.describeUser(user),
      ...genericResponse('OK', 'Successfully performed login'),
    };
    return { response, secret };
  }

  /**
   * The `login` audit event of an RSA or SSO login; password logins are recorded by the password
   * check. A name no user has is not kept: it is whatever the client sent.
   */
  private async recordLogin(
    context: LoginContext,
    method: 'rsa' | 'sso',
    username: string | null,
    user: User | null,
    reason?: string,
  ): Promise<void> {
    const known = user ?? (username === null ? null : await this.users.findByUsername(username));
    return this.audit.record({
      type: 'login',
      outcome: user ? 'success' : 'failure',
      ...attemptOf(context),
      userId: user?.id ?? null,
      username: known ? username : null,
      detail: { method, ...(reason && { reason }) },
    });
  }
}

function attemptOf(context: LoginContext): LoginAttempt {
  return { api: 'session', address: context.client.address, agent: context.client.userAgent };
}
