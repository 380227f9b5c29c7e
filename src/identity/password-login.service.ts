import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type LoginAttempt, loginAttemptOf } from './login-attempt.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { PasswordCheckService, type SecondFactorInput } from './password-check.service.js';
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
  ) {}

  async loginForAccessToken(
    username: string,
    password: string,
    attempt: LoginAttempt,
    secondFactor: SecondFactorInput,
  ): Promise<{ user: User; token: string }> {
    const user = await this.passwords.check(username, password, attempt, secondFactor);
    if (!user) throw new UnauthorizedException('Invalid username or password');
    return { user, token: await this.accessTokens.issue(user, attempt.api) };
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
}
