import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { basicCredentials } from '../identity/request-credentials.js';
import type { EpochSnapshot } from '../credentials/liveness/credential-state-cache.js';
import { LivenessService } from '../credentials/liveness/liveness.service.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { OAuth2Exception } from './oauth2-error.js';
import { ServiceClientsService } from '../credentials/service-clients/service-clients.service.js';

/**
 * The request of a route behind ServiceClientGuard, with the client it authenticated and the
 * credential epoch it read doing so, for the check that follows to share.
 */
export type ClientRequest = FastifyRequest & {
  serviceClient?: ServiceClient;
  snapshot?: EpochSnapshot;
};

/**
 * Client authentication for introspection (RFC 7662 §2.1): Basic `client_id:client_secret` of an
 * enabled service client, else 401 invalid_client, before anything in the body is looked at.
 */
@Injectable()
export class ServiceClientGuard implements CanActivate {
  constructor(
    private readonly clients: ServiceClientsService,
    private readonly liveness: LivenessService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ClientRequest>();
    const credentials = basicCredentials(request);
    const snapshot = this.liveness.snapshot();
    const client = credentials && (await this.clients.authenticate(credentials, snapshot));
    if (!client) throw OAuth2Exception.invalidClient();
    request.serviceClient = client;
    request.snapshot = snapshot;
    return true;
  }
}
