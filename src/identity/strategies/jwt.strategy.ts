import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { accessJwtFromAuthorization } from '../request-credentials.js';
import type { User } from '../../user-store/entities/user.entity.js';
import { AccessTokensService } from '../../credentials/access-tokens/access-tokens.service.js';

/**
 * An access JWT as a Passport credential (`Authorization: Bearer <jwt>`, or the bare
 * `Authorization: <jwt>` of the Security API's document): read here, and judged by the one check
 * of every other door, AccessTokensService over AccessTokenVerifier, with no rule of its own.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly accessTokens: AccessTokensService) {
    super();
  }

  async validate(request: FastifyRequest): Promise<User | false> {
    const token = accessJwtFromAuthorization(request);
    return (token !== null && (await this.accessTokens.verify(token))?.user) || false;
  }
}
