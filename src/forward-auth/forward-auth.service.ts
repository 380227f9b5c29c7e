import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { AppConfig } from '../config/app-config.js';
import { loginAttemptOf } from '../identity/login-attempt.js';
import { PasswordCheckService } from '../identity/password-check.service.js';
import {
  type BasicCredentials,
  type BasicSecondFactor,
  forwardedCredential,
} from '../identity/request-credentials.js';
import { TokenCheckService } from '../identity/token-check.service.js';
import type { Privilege } from '../user-store/entities/user.entity.js';
import { type ForwardRules, rulesOf } from './forward-rules.js';

/** The service name forward checks are counted under in gatehouse_token_checks_total. */
export const FORWARD_AUTH_SERVICE = 'forward-auth';

/** Who the forwarded request is, as the proxy passes it on. */
export interface ForwardIdentity {
  userId: number;
  username: string;
  privilege: Privilege;
  scope: string;
}

export type ForwardDecision =
  | { status: 200; identity: ForwardIdentity }
  | { status: 401; secondFactorRequired?: true }
  | { status: 403 };

/**
 * Forward authentication: the credential of the request a proxy forwards, checked by
 * the same check as every other (TokenCheckService, or PasswordCheckService for Basic), and the
 * proxy's rules applied to whom it names.
 */
@Injectable()
export class ForwardAuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly tokenCheck: TokenCheckService,
    private readonly passwordCheck: PasswordCheckService,
  ) {}

  /**
   * `viaPath`: asked on `/auth/forward/*`, whose path and query are the original request's: its
   * rules then come from the proxy's header, and its query may name the session's sid.
   */
  async decide(request: FastifyRequest, viaPath: boolean): Promise<ForwardDecision> {
    const rules = rulesOf(request, viaPath);
    let identity: ForwardIdentity | null;
    try {
      identity = await this.identify(request, viaPath);
    } catch (error) {
      if (error instanceof SecondFactorRequiredException) {
        return { status: 401, secondFactorRequired: true };
      }
      throw error;
    }
    if (!identity) return { status: 401 };
    return admits(rules, identity) ? { status: 200, identity } : { status: 403 };
  }

  /**
   * One credential, in the order a request can carry them: an Authorization header is the
   * credential when present (a dead one is not made up for by a cookie), else the session cookie.
   */
  private async identify(
    request: FastifyRequest,
    ownQuerySid: boolean,
  ): Promise<ForwardIdentity | null> {
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

function admits(rules: ForwardRules, identity: ForwardIdentity): boolean {
  if (rules.admin && identity.privilege !== 'admin') return false;
  if (rules.scopes.length === 0) return true;
  const held = new Set(identity.scope.split(' '));
  return rules.scopes.every((scope) => held.has(scope));
}
