import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { User } from '../../user-store/entities/user.entity.js';
import { loginAttemptOf } from '../login-attempt.js';
import { PasswordCheckService } from '../password-check.service.js';
import { basicSecondFactor } from '../request-credentials.js';
import { Rfc7617BasicStrategy } from './rfc7617-basic.strategy.js';
import { TokenCheckService } from '../token-check.service.js';
import { looksLikeJwt } from '../../credentials/access-tokens/jwt-shape.js';

/**
 * The REST-auth API's Basic authentication: a username and password, or an access token in the
 * username field with any password. A token is longer than any username, so the two never mix;
 * only the password form is a password check (limit, lock, bcrypt); the token is judged by the
 * one token check, as a caller's Bearer access JWT is.
 */
@Injectable()
export class BasicOrTokenStrategy extends PassportStrategy(Rfc7617BasicStrategy, 'basic-or-token') {
  constructor(
    private readonly passwords: PasswordCheckService,
    private readonly tokenCheck: TokenCheckService,
  ) {
    super();
  }

  async validate(
    username: string,
    password: string,
    request: FastifyRequest,
  ): Promise<User | false> {
    if (looksLikeJwt(username)) {
      const caller = await this.tokenCheck.caller(
        { kind: 'access-jwt', token: username },
        { userToken: false },
      );
      return caller?.user ?? false;
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
