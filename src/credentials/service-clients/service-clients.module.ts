import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../../audit/audit.module.js';
import { LivenessModule } from '../liveness/liveness.module.js';
import { ServiceClient } from './entities/service-client.entity.js';
import { ServiceClientsService } from './service-clients.service.js';

/** The service clients of introspection and revocation, and their secrets. */
@Module({
  imports: [TypeOrmModule.forFeature([ServiceClient]), AuditModule, LivenessModule],
  providers: [ServiceClientsService],
  exports: [ServiceClientsService],
})
export class ServiceClientsModule {}
