import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import { PasskeyRefusedException } from '../common/errors/passkey-refused.exception.js';
import { loginAttemptOf } from './login-attempt.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import {
  type PasskeyBinding,
  type PassedLogin,
  PasswordCheckService,
  type SecondFactorInput,
} from './password-check.service.js';
import { basicCredentials, basicSecondFactor } from './request-credentials.js';

/**
 * The logins that check their own credentials: a username and password exchanged for an access
 * JWT (the JWT API and the Security API), or given as Basic credentials (the user-token login).
 */
@Injectable()
export class PasswordLoginService {
  constructor(
    private readonly passwords: PasswordCheckService,
    private readonly accessTokens: AccessTokensService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * A login through `api` by the client of `request`, exchanged for an access JWT. The request is
   * judged at one instant, which also dates the token; the login and the token's issue are
   * recorded together once the token is signed.
   */
  async loginForAccessToken(
    username: string,
    password: string,
    api: string,
    request: FastifyRequest,
    secondFactor: SecondFactorInput,
  ): Promise<{ user: User; token: string }> {
    const now = this.clock.now();
    const attempt = loginAttemptOf(api, request);
    const passed = await this.passwords.login(username, password, attempt, secondFactor, now);
    if (!passed) throw new UnauthorizedException('Invalid username or password');
    return this.issue(passed, api, now);
  }

  /**
   * A passkey sign-in through `api` by the client of `request` (the assertion `response` of the
   * challenge `challengeId`), exchanged for an access JWT exactly as a password login is: judged
   * at one instant, which also dates the token, and recorded with the token's issue.
   */
  async passkeyLoginForAccessToken(
    challengeId: string | null,
    response: unknown,
    api: string,
    request: FastifyRequest,
    binding: PasskeyBinding,
  ): Promise<{ user: User; token: string }> {
    const now = this.clock.now();
    const attempt = loginAttemptOf(api, request);
    const passed = await this.passwords.passkeyLogin(challengeId, response, attempt, binding, now);
    if (!passed) throw new PasskeyRefusedException();
    return this.issue(passed, api, now);
  }

  /**
   * The user of a login by `Authorization: Basic` through `api` (the code of a second factor in
   * X-OTP), else the bare 401 a Passport Basic login answers, for the API's dialect to word.
   */
  async basicLogin(request: FastifyRequest, api: string): Promise<User> {
    const credentials = basicCredentials(request);
    const user =
      credentials &&
      (await this.passwords.check(
        credentials.username,
        credentials.password,
        loginAttemptOf(api, request),
        basicSecondFactor(request),
      ));
    if (!user) throw new UnauthorizedException();
    return user;
  }

  /** An access JWT for a login that passed, the login and the issue recorded together. */
  private async issue(
    { user, success }: PassedLogin,
    api: string,
    now: Date,
  ): Promise<{ user: User; token: string }> {
    const { token, issued } = await this.accessTokens.sign(user, api, now);
    await this.audit.record(success, issued);
    return { user, token };
  }
}
