import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { User } from '../../user-store/entities/user.entity.js';
import { loginAttemptOf } from '../login-attempt.js';
import { PasswordCheckService } from '../password-check.service.js';
import { basicSecondFactor } from '../request-credentials.js';
import { Rfc7617BasicStrategy } from './rfc7617-basic.strategy.js';

/** `Authorization: Basic` with a username and password: the user-token API's login. */
@Injectable()
export class BasicStrategy extends PassportStrategy(Rfc7617BasicStrategy, 'basic') {
  constructor(private readonly passwords: PasswordCheckService) {
    super();
  }

  async validate(
    username: string,
    password: string,
    request: FastifyRequest,
  ): Promise<User | false> {
    return (
      (await this.passwords.check(
        username,
        password,
        loginAttemptOf('user-token', request),
        basicSecondFactor(request),
      )) ?? false
    );
  }
}
