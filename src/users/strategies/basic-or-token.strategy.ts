import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { loginAttemptOf } from '../../audit/login-attempt.js';
import { Rfc7617BasicStrategy } from './rfc7617-basic.strategy.js';
import { AccessTokensService } from '../../tokens/access-tokens.service.js';
import type { User } from '../entities/user.entity.js';
import { UsersService } from '../users.service.js';

/**
 * The REST-auth API's Basic authentication: a username and password, or an access token in the
 * username field with any password. A token is longer than any username, so the two never mix.
 */
@Injectable()
export class BasicOrTokenStrategy extends PassportStrategy(Rfc7617BasicStrategy, 'basic-or-token') {
  constructor(
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokensService,
  ) {
    super();
  }

  async validate(
    username: string,
    password: string,
    request: FastifyRequest,
  ): Promise<User | false> {
    if (this.accessTokens.looksLikeAccessToken(username)) {
      return (await this.accessTokens.verify(username))?.user ?? false;
    }
    return (
      (await this.users.authenticate(username, password, loginAttemptOf('rest-auth', request))) ??
      false
    );
  }
}
