import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { bearerToken } from '../request-credentials.js';
import {
  type AuthenticatedUserToken,
  UserTokensService,
} from '../../credentials/user-tokens/user-tokens.service.js';

/**
 * `Authorization: Bearer <user token>`. Only the header is accepted: the library would also take
 * the token from the query string, where it would end up in access logs.
 */
@Injectable()
export class UserTokenStrategy extends PassportStrategy(BearerStrategy, 'user-token') {
  constructor(private readonly userTokens: UserTokensService) {
    super({ passReqToCallback: true });
  }

  async validate(request: FastifyRequest, token: string): Promise<AuthenticatedUserToken | false> {
    if (bearerToken(request) !== token) return false;
    return (await this.userTokens.authenticate(token)) ?? false;
  }
}
