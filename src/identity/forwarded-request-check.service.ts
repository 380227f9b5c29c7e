import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import type { ForwardIdentity } from './forward-identity.js';
import { KeptBasicPasses } from './kept-basic-passes.js';
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

export type { ForwardIdentity } from './forward-identity.js';

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
    private readonly keptPasses: KeptBasicPasses,
  ) {}

  /**
   * One credential, in the order a request can carry them: an Authorization header is the
   * credential when present (a dead one is not made up for by a cookie), else the sign-in
   * portal's cookie, else the session API's cookie with its sid. A session from either cookie is
   * judged by the one session check. `ownQuerySid`: the request's own query is the original
   * request's and may name the sid. A right password of a user whose second factor is on,
   * without a code, throws SecondFactorRequiredException.
   */
  async identify(request: FastifyRequest, ownQuerySid: boolean): Promise<ForwardIdentity | null> {
    const credential = forwardedCredential(request, ownQuerySid, {
      browser: request.cookies?.[this.config.portal.cookieName],
      sessionSecret: request.cookies?.[this.config.sessions.cookieName],
    });
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

  /**
   * Basic, when enabled: the one password check, so the per-address limit and lock apply, once
   * for a client's page and its assets (KeptBasicPasses). A request with a second-factor code is
   * checked on its own, neither kept nor joined to another's check: each code is taken once, and
   * a kept or shared pass would stand in for the next code.
   */
  private async identifyByPassword(
    request: FastifyRequest,
    credentials: BasicCredentials,
    secondFactor: BasicSecondFactor,
  ): Promise<ForwardIdentity | null> {
    if (!this.config.forwardAuthBasic) return null;
    const attempt = loginAttemptOf('forward-auth', request);
    const check = async () => {
      const user = await this.passwordCheck.check(
        credentials.username,
        credentials.password,
        attempt,
        secondFactor,
      );
      return (
        user && {
          userId: user.id,
          username: user.username,
          privilege: user.privilege,
          scope: user.scope ?? this.config.defaultScopes[user.privilege],
        }
      );
    };
    if (secondFactor.code !== null) return check();
    return this.keptPasses.identify(credentials, attempt.address, check);
  }
}
