import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { TokensModule } from '../access-tokens/tokens.module.js';
import { LivenessModule } from '../liveness/liveness.module.js';
import { ClientTokensService } from './client-tokens.service.js';
import { ServiceClient } from './entities/service-client.entity.js';
import { ServiceClientsService } from './service-clients.service.js';

/** The service clients of introspection and revocation, their secrets, and their own tokens. */
@Module({
  imports: [TypeOrmModule.forFeature([ServiceClient]), AuditModule, LivenessModule, TokensModule],
  providers: [ServiceClientsService, ClientTokensService],
  exports: [ServiceClientsService, ClientTokensService],
})
export class ServiceClientsModule {}
