import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AccessTokensService } from '../../credentials/access-tokens/access-tokens.service.js';
import type { User } from '../../user-store/entities/user.entity.js';
import { loginAttemptOf } from '../login-attempt.js';
import { PasswordCheckService } from '../password-check.service.js';
import { basicSecondFactor } from '../request-credentials.js';
import { Rfc7617BasicStrategy } from './rfc7617-basic.strategy.js';
import { looksLikeJwt } from '../../credentials/access-tokens/jwt-shape.js';

/**
 * The REST-auth API's Basic authentication: a username and password, or an access token in the
 * username field with any password. A token is longer than any username, so the two never mix;
 * only the password form is a password check (limit, lock, bcrypt).
 */
@Injectable()
export class BasicOrTokenStrategy extends PassportStrategy(Rfc7617BasicStrategy, 'basic-or-token') {
  constructor(
    private readonly passwords: PasswordCheckService,
    private readonly accessTokens: AccessTokensService,
  ) {
    super();
  }

  async validate(
    username: string,
    password: string,
    request: FastifyRequest,
  ): Promise<User | false> {
    if (looksLikeJwt(username)) {
      return (await this.accessTokens.verify(username))?.user ?? false;
    }
    return (
      (await this.passwords.check(
        username,
        password,
        loginAttemptOf('rest-auth', request),
        basicSecondFactor(request),
      )) ?? false
    );
  }
}
