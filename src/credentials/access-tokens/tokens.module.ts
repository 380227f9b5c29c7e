import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../../user-store/entities/user.entity.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AccessTokensService } from './access-tokens.service.js';
import { RevokedToken } from './entities/revoked-token.entity.js';
import { SigningKey } from './entities/signing-key.entity.js';
import { JwksController } from '../../oauth2/jwks.controller.js';
import { SigningKeysService } from './signing-keys.service.js';
import { JwtStrategy } from '../../identity/strategies/jwt.strategy.js';

/** Access JWTs: the shared RS256 key store, JWKS, issuing, and the one verification. */
@Module({
  imports: [JwtModule.register({}), TypeOrmModule.forFeature([SigningKey, RevokedToken, User])],
  controllers: [JwksController],
  providers: [SigningKeysService, AccessTokenVerifier, AccessTokensService, JwtStrategy],
  exports: [SigningKeysService, AccessTokensService],
})
export class TokensModule {}
