import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { LoginAttempt } from './login-attempt.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { PasswordCheckService, type SecondFactorInput } from './password-check.service.js';

/** A username and password exchanged for an access JWT: the JWT API and the Security API. */
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
}
