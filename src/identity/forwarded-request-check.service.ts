import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import type { Privilege } from '../user-store/entities/user.entity.js';
import { loginAttemptOf } from './login-attempt.js';
import { PasswordCheckService } from './password-check.service.js';
import {
  type BasicCredentials,
  type BasicSecondFactor,
  forwardedCredential,
} from './request-credentials.js';
import { TokenCheckService } from './token-check.service.js';

/** The service name forward checks are counted under in gatehouse_token_checks_total. */
export const FORWARD_AUTH_SERVICE = 'forward-auth';

/** Who a forwarded request is, as the proxy passes it on. */
export interface ForwardIdentity {
  userId: number;
  username: string;
  privilege: Privilege;
  scope: string;
}

/**
 * Who the request a proxy forwards is: its one credential, read and judged here in one go by the
 * same checks as every other door (TokenCheckService, or PasswordCheckService for Basic), so that
 * forward authentication asks identity once and applies only its rules itself.
 */
@Injectable()
export class ForwardedRequestCheck {
  constructor(
    private readonly config: AppConfig,
    private readonly tokenCheck: TokenCheckService,
    private readonly passwordCheck: PasswordCheckService,
  ) {}

  /**
   * One credential, in the order a request can carry them: an Authorization header is the
   * credential when present (a dead one is not made up for by a cookie), else the session cookie.
   * `ownQuerySid`: the request's own query is the original request's and may name the sid.
   * A right password of a user whose second factor is on, without a code, throws
   * SecondFactorRequiredException.
   */
  async identify(request: FastifyRequest, ownQuerySid: boolean): Promise<ForwardIdentity | null> {
    const credential = forwardedCredential(
      request,
      ownQuerySid,
      request.cookies?.[this.config.sessions.cookieName],
    );
    switch (credential.kind) {
      case 'basic':
        return this.identifyByPassword(request, credential.credentials, credential.secondFactor);
      case 'bearer':
        return this.tokenCheck.identify(credential.token, FORWARD_AUTH_SERVICE);
      case 'session':
        return this.tokenCheck.identifyPresented(
          { kind: 'session', session: credential.session },
          FORWARD_AUTH_SERVICE,
        );
      case 'none':
        return null;
    }
  }

  /** Basic, when enabled: the one password check, so the per-address limit and lock apply. */
  private async identifyByPassword(
    request: FastifyRequest,
    credentials: BasicCredentials,
    secondFactor: BasicSecondFactor,
  ): Promise<ForwardIdentity | null> {
    if (!this.config.forwardAuthBasic) return null;
    const user = await this.passwordCheck.check(
      credentials.username,
      credentials.password,
      loginAttemptOf('forward-auth', request),
      secondFactor,
    );
    return user
      ? {
          userId: user.id,
          username: user.username,
          privilege: user.privilege,
          scope: user.scope ?? this.config.defaultScopes[user.privilege],
        }
      : null;
  }
}
