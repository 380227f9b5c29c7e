import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config.js';
import { accessJwtFromAuthorization } from '../../identity/request-credentials.js';
import {
  ACCESS_TOKEN_ALGORITHM,
  AccessTokensService,
  CLOCK_TOLERANCE_SECONDS,
  type AccessTokenClaims,
} from '../access-tokens.service.js';
import type { User } from '../../users/entities/user.entity.js';
import { kidOf, SigningKeysService } from '../signing-keys.service.js';

/**
 * An access JWT as a Passport credential. The key comes from the one key store by `kid`, with the
 * algorithm, issuer and leeway of AccessTokensService, whose claim checks (revocation, user
 * state) then decide.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    keys: SigningKeysService,
    private readonly accessTokens: AccessTokensService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        (request: FastifyRequest) => accessJwtFromAuthorization(request),
      ]),
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: config.jwt.issuer,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
      // The claims' check needs the kid too: a withdrawn key's tokens stop on every instance.
      passReqToCallback: true,
      secretOrKeyProvider: (_request, rawToken: string, done) => {
        const kid = kidOf(rawToken);
        if (!kid) return done(null);
        // jsonwebtoken takes a KeyObject where its types say string.
        keys.verificationKey(kid).then(
          (key) => done(null, key?.publicKey as unknown as string | undefined),
          (error: unknown) => done(error as Error),
        );
      },
    });
  }

  async validate(request: FastifyRequest, claims: AccessTokenClaims): Promise<User | false> {
    const kid = kidOf(accessJwtFromAuthorization(request) ?? '');
    if (!kid) return false;
    return (await this.accessTokens.checkClaims(claims, kid))?.user ?? false;
  }
}
