import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminClientsController } from '../admin/admin-clients.controller.js';
import { AuthModule } from '../auth/auth.module.js';
import { SecurityModule } from '../security/security.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { DiscoveryController } from './discovery.controller.js';
import { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { OAuth2Controller } from './oauth2.controller.js';
import { ServiceClientGuard } from './service-client.guard.js';
import { ServiceClientsService } from '../credentials/service-clients/service-clients.service.js';
import { TokenRevocationService } from './token-revocation.service.js';

/**
 * What services that speak OAuth 2.0 find without Gatehouse code: server metadata at the
 * well-known names, introspection (RFC 7662) and revocation (RFC 7009) for registered service
 * clients, and the administration of those clients.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ServiceClient]), SecurityModule, AuthModule, TokensModule],
  controllers: [DiscoveryController, OAuth2Controller, AdminClientsController],
  providers: [ServiceClientsService, ServiceClientGuard, TokenRevocationService],
  exports: [ServiceClientsService],
})
export class OAuth2Module {}
