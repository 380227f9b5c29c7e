import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { basicCredentials } from '../identity/request-credentials.js';
import type { ServiceClient } from './entities/service-client.entity.js';
import { OAuth2Exception } from './oauth2-error.js';
import { ServiceClientsService } from './service-clients.service.js';

/** The request of a route behind ServiceClientGuard, with the client it authenticated. */
export type ClientRequest = FastifyRequest & { serviceClient?: ServiceClient };

/**
 * Client authentication for introspection (RFC 7662 §2.1): Basic `client_id:client_secret` of an
 * enabled service client, else 401 invalid_client, before anything in the body is looked at.
 */
@Injectable()
export class ServiceClientGuard implements CanActivate {
  constructor(private readonly clients: ServiceClientsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ClientRequest>();
    const credentials = basicCredentials(request);
    const client = credentials && (await this.clients.authenticate(credentials));
    if (!client) throw OAuth2Exception.invalidClient();
    request.serviceClient = client;
    return true;
  }
}
