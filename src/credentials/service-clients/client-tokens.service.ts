import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service.js';
import { Clock } from '../../clock/clock.service.js';
import type { ClientTokenClaims } from '../access-tokens/access-token-verifier.js';
import { AccessTokensService } from '../access-tokens/access-tokens.service.js';
import type { EpochSnapshot } from '../liveness/credential-state-cache.js';
import type { BasicCredentials } from '../../identity/request-credentials.js';
import { ServiceClient } from './entities/service-client.entity.js';
import { ServiceClientsService } from './service-clients.service.js';

/** The one scope a service client's token carries: the Shared Signals endpoints. */
export const CLIENT_TOKEN_SCOPE = 'ssf';
/** Short, since nothing revokes it one by one: a change to its client ends it (versionOf). */
export const CLIENT_TOKEN_TTL_SECONDS = 300;

/** A service client's token as the token endpoint answers it. */
export interface IssuedClientToken {
  token: string;
  expiresIn: number;
  scope: string;
}

/** A service client's token and the client it stands for, both live. */
export interface ClientTokenHolder {
  client: ServiceClient;
  claims: ClientTokenClaims;
}

/**
 * How a service client calls the endpoints its tokens are for: the token (Bearer), or its Basic
 * credentials directly.
 */
export type ClientCredential =
  { kind: 'bearer'; token: string } | { kind: 'basic'; credentials: BasicCredentials };

/**
 * A client's version, which its tokens carry: every change to a client (a disable, an enable, a
 * new secret) moves its `updatedAt`, so a token from before the change is dead, and re-enabling a
 * client brings none of its old tokens back, as re-enabling a user brings back none of theirs.
 */
function versionOf(client: ServiceClient): number {
  return client.updatedAt.getTime();
}

/**
 * The scope a client asks for (RFC 6749 §3.3: space-separated), as granted: `ssf` when it asks
 * for none, else null when it asks for any scope Gatehouse does not know.
 */
export function grantableScope(requested: string | undefined): string | null {
  if (requested === undefined) return CLIENT_TOKEN_SCOPE;
  return requested.split(' ').every((scope) => scope === CLIENT_TOKEN_SCOPE)
    ? CLIENT_TOKEN_SCOPE
    : null;
}

/**
 * Service clients' own tokens (the client credentials grant, RFC 6749 §4.4): issued to an
 * authenticated client, and checked for the endpoints they are for. The token is an access JWT of
 * its own type (AccessTokenVerifier tells it from a user's), and lives only while its client is
 * enabled and unchanged.
 */
@Injectable()
export class ClientTokensService {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly clients: ServiceClientsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** A token for `client`, recorded as a `token.issue` event whose actor is the client. */
  async issue(client: ServiceClient, scope: string, api: string): Promise<IssuedClientToken> {
    const now = this.clock.now();
    const { token, jti } = await this.accessTokens.signClientToken(
      { clientId: client.clientId, version: versionOf(client), scope },
      now,
      CLIENT_TOKEN_TTL_SECONDS,
    );
    await this.audit.record({
      type: 'token.issue',
      outcome: 'success',
      api,
      detail: {
        kind: 'client-token',
        clientId: client.clientId,
        client: client.name,
        jti,
        expiresIn: CLIENT_TOKEN_TTL_SECONDS,
      },
      time: now,
    });
    return { token, expiresIn: CLIENT_TOKEN_TTL_SECONDS, scope };
  }

  /**
   * The live token and its enabled client, or null: signed by a usable key, of a client's type,
   * from JWT_ISSUER for PUBLIC_URL, current, its client still there, enabled, and unchanged since
   * the token was issued. `snapshot`: the epoch this request has read already, if it has.
   */
  async holderOf(token: string, snapshot?: EpochSnapshot): Promise<ClientTokenHolder | null> {
    const claims = await this.accessTokens.verifyClientToken(token);
    const client = claims && (await this.clients.enabledClient(claims.client_id, snapshot));
    return client && versionOf(client) === claims.cv ? { client, claims } : null;
  }

  /**
   * The enabled client calling an endpoint for service clients with `credential` (a token of
   * scope `ssf`, or Basic credentials), or null.
   */
  async clientOf(credential: ClientCredential): Promise<ServiceClient | null> {
    if (credential.kind === 'basic') return this.clients.authenticate(credential.credentials);
    const holder = await this.holderOf(credential.token);
    return holder && holder.claims.scope.split(' ').includes(CLIENT_TOKEN_SCOPE)
      ? holder.client
      : null;
  }
}
