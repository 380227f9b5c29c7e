import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { loginAttemptOf } from '../../audit/login-attempt.js';
import { Rfc7617BasicStrategy } from './rfc7617-basic.strategy.js';
import type { User } from '../entities/user.entity.js';
import { UsersService } from '../users.service.js';

/** `Authorization: Basic` with a username and password: the user-token API's login. */
@Injectable()
export class BasicStrategy extends PassportStrategy(Rfc7617BasicStrategy, 'basic') {
  constructor(private readonly users: UsersService) {
    super();
  }

  async validate(
    username: string,
    password: string,
    request: FastifyRequest,
  ): Promise<User | false> {
    return (
      (await this.users.authenticate(username, password, loginAttemptOf('user-token', request))) ??
      false
    );
  }
}
