import { Injectable } from '@nestjs/common';
import { genericResponse, SessionApiException } from '../common/dialects/generic-response.js';
import { AppConfig } from '../config/app-config.js';
import type { User } from '../users/entities/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { LoginRequestDto, LoginWithRsaRequestDto } from './dto/session-requests.dto.js';
import type { AuthenticationResponseDto, LoginResponseDto } from './dto/session-responses.dto.js';
import { RsaLoginService } from './rsa-login.service.js';
import { type SessionClient, type SessionCredential, SessionsService } from './sessions.service.js';

/** Who is logging in from where, and which session they hold already (`?sid=` and the cookie). */
export interface LoginContext {
  client: SessionClient;
  /** The address of the machine at the other end of the connection: for SSO, the proxy itself. */
  peerAddress: string | null;
  reuse: SessionCredential | null;
  /** The SSO header's value, when the request carries one. */
  ssoUser?: string;
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
    private readonly sessions: SessionsService,
    private readonly rsaLogin: RsaLoginService,
  ) {}

  async withPassword(dto: LoginRequestDto, context: LoginContext): Promise<SessionLogin> {
    const user = await this.users.authenticate(dto.login, dto.password);
    if (!user) throw new SessionApiException('FAILURE', 'Invalid login or password', 401);
    return this.open(user, context);
  }

  async withRsaSignature(
    dto: LoginWithRsaRequestDto,
    context: LoginContext,
  ): Promise<SessionLogin> {
    const user = await this.rsaLogin.authenticate(dto);
    if (!user)
      throw new SessionApiException('FAILURE', 'Invalid, expired or replayed signature', 401);
    return this.open(user, context);
  }

  /**
   * SSO: the user named by the trusted proxy's header. FAILURE when SSO is off, the caller is not
   * a trusted proxy or names no one; NOTFOUND when no enabled user has that name.
   */
  async withSso(
    context: LoginContext,
  ): Promise<{ outcome: 'FAILURE' | 'NOTFOUND' } | SessionLogin> {
    const { trustedProxies } = this.config.sso;
    const address = context.peerAddress?.replace(/^::ffff:/, '');
    if (!address || !trustedProxies.includes(address) || !context.ssoUser)
      return { outcome: 'FAILURE' };
    const user = await this.users.findByUsername(context.ssoUser);
    if (!user?.enabled) return { outcome: 'NOTFOUND' };
    return this.open(user, context);
  }

  async authenticationResponse(user: User): Promise<AuthenticationResponseDto> {
    return {
      user: await this.sessions.describeUser(user),
      ...genericResponse('OK', 'Session is valid'),
    };
  }

  private async open(user: User, context: LoginContext): Promise<SessionLogin> {
    const { session, secret } = await this.sessions.open(user, context.client, context.reuse);
    if (secret) await this.users.recordLogin(user);
    const response: LoginResponseDto = {
      sid: String(session.id),
      user: await this.sessions.describeUser(user),
      ...genericResponse('OK', secret ? 'Logged in' : 'Session re-used'),
    };
    return { response, secret };
  }
}
