import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { LivenessModule } from '../credentials/liveness/liveness.module.js';
import { ServiceClientsModule } from '../credentials/service-clients/service-clients.module.js';
import { UserTokenStoreModule } from '../credentials/user-tokens/user-token-store.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { JwksController } from './jwks.controller.js';
import { OAuth2Controller } from './oauth2.controller.js';
import { TokenRevocationService } from './token-revocation.service.js';

/**
 * What services that speak OAuth 2.0 find without Gatehouse code: server metadata and the key
 * set at the well-known names, and for registered service clients their own tokens (the client
 * credentials grant), introspection (RFC 7662) and revocation (RFC 7009).
 */
@Module({
  imports: [
    AuditModule,
    LivenessModule,
    IdentityModule,
    ServiceClientsModule,
    TokensModule,
    UserTokenStoreModule,
  ],
  controllers: [DiscoveryController, JwksController, OAuth2Controller],
  providers: [TokenRevocationService],
})
export class OAuth2Module {}
