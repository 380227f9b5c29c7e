import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { LivenessModule } from '../liveness/liveness.module.js';
import { UserStoreModule } from '../../user-store/user-store.module.js';
import { SecurityEventsModule } from '../../security-events/security-events.module.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AccessTokensService } from './access-tokens.service.js';
import { RevokedToken } from './entities/revoked-token.entity.js';
import { SigningKey } from './entities/signing-key.entity.js';
import { SigningKeysService } from './signing-keys.service.js';

/** Access JWTs: the shared RS256 key store, issuing, revocation, and the one verification. */
@Module({
  imports: [
    JwtModule.register({}),
    TypeOrmModule.forFeature([SigningKey, RevokedToken]),
    UserStoreModule,
    AuditModule,
    LivenessModule,
    SecurityEventsModule,
  ],
  providers: [SigningKeysService, AccessTokenVerifier, AccessTokensService],
  exports: [SigningKeysService, AccessTokensService],
})
export class TokensModule {}
