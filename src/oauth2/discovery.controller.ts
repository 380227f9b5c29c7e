import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config.js';
import { ACCESS_TOKEN_ALGORITHM } from '../credentials/access-tokens/access-token-verifier.js';
import { Public } from '../common/decorators/route-access.decorator.js';

/** The metadata changes only with the configuration, which takes a restart. */
const METADATA_MAX_AGE_SECONDS = 3_600;
const CLIENT_AUTH_METHODS = ['client_secret_basic'];
/** Only service clients get tokens at the token endpoint: users sign in through the APIs. */
const GRANT_TYPES = ['client_credentials'];
const CLAIMS = ['iss', 'sub', 'sub_type', 'scope', 'iat', 'exp', 'jti', 'aud', 'client_id'];

export interface ServerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  token_endpoint_auth_methods_supported: string[];
  introspection_endpoint: string;
  introspection_endpoint_auth_methods_supported: string[];
  revocation_endpoint: string;
  revocation_endpoint_auth_methods_supported: string[];
  response_types_supported: string[];
  grant_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
  service_documentation: string;
}

const METADATA_SCHEMA = {
  type: 'object',
  required: [
    'issuer',
    'jwks_uri',
    'token_endpoint',
    'token_endpoint_auth_methods_supported',
    'introspection_endpoint',
    'introspection_endpoint_auth_methods_supported',
    'revocation_endpoint',
    'revocation_endpoint_auth_methods_supported',
    'response_types_supported',
    'grant_types_supported',
    'subject_types_supported',
    'id_token_signing_alg_values_supported',
    'claims_supported',
    'service_documentation',
  ],
  properties: {
    issuer: { type: 'string', description: 'JWT_ISSUER: the `iss` of every access JWT' },
    jwks_uri: { type: 'string', format: 'uri' },
    token_endpoint: {
      type: 'string',
      format: 'uri',
      description: 'For service clients’ own tokens: the client credentials grant only',
    },
    token_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
    introspection_endpoint: { type: 'string', format: 'uri' },
    introspection_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
    revocation_endpoint: { type: 'string', format: 'uri' },
    revocation_endpoint_auth_methods_supported: { type: 'array', items: { type: 'string' } },
    response_types_supported: {
      type: 'array',
      items: { type: 'string' },
      description: 'None: Gatehouse has no authorization endpoint',
    },
    grant_types_supported: {
      type: 'array',
      items: { type: 'string' },
      description: 'The client credentials grant, for service clients',
    },
    subject_types_supported: { type: 'array', items: { type: 'string' } },
    id_token_signing_alg_values_supported: {
      type: 'array',
      items: { type: 'string' },
      description: 'The algorithm of the JWTs Gatehouse signs (it issues no ID tokens)',
    },
    claims_supported: { type: 'array', items: { type: 'string' } },
    service_documentation: { type: 'string', format: 'uri' },
  },
  example: {
    issuer: 'https://auth.example.com',
    jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
    token_endpoint: 'https://auth.example.com/oauth2/token',
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint: 'https://auth.example.com/oauth2/introspect',
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint: 'https://auth.example.com/oauth2/revoke',
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    response_types_supported: [],
    grant_types_supported: GRANT_TYPES,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ACCESS_TOKEN_ALGORITHM],
    claims_supported: CLAIMS,
    service_documentation: 'https://auth.example.com/docs',
  },
};

/**
 * Authorization server metadata (RFC 8414), the same at both well-known names: Gatehouse is no
 * OpenID Provider (no authorization endpoint, no ID tokens), but the libraries of resource servers
 * look for `/.well-known/openid-configuration` to find the issuer, its keys, introspection and
 * revocation. So it claims only what it does: no response types, one grant (client credentials,
 * for service clients' own tokens), public subjects (a user's id is the same for every service),
 * and RS256 for the JWTs it signs, which is the field (`id_token_signing_alg_values_supported`)
 * those libraries read for the algorithm.
 */
@ApiTags('Keys')
@Public()
@Controller('.well-known')
export class DiscoveryController {
  private readonly metadata: ServerMetadata;

  constructor(config: AppConfig) {
    // From PUBLIC_URL, never from the request's Host, which the caller chooses.
    const base = config.publicUrl;
    this.metadata = {
      issuer: config.jwt.issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint: `${base}/oauth2/introspect`,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint: `${base}/oauth2/revoke`,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      response_types_supported: [],
      grant_types_supported: GRANT_TYPES,
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [ACCESS_TOKEN_ALGORITHM],
      claims_supported: CLAIMS,
      service_documentation: `${base}/docs`,
    };
  }

  @Get('openid-configuration')
  @Header('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'Server metadata at the OpenID Connect Discovery name',
    description:
      'The same document as /.well-known/oauth-authorization-server (RFC 8414): the issuer, its ' +
      'keys, the token endpoint (client credentials), introspection and revocation. Gatehouse is not an OpenID Provider: it has no ' +
      'authorization endpoint and issues no ID tokens.',
  })
  @ApiOkResponse({ schema: METADATA_SCHEMA })
  openidConfiguration(): ServerMetadata {
    return this.metadata;
  }

  @Get('oauth-authorization-server')
  @Header('Cache-Control', `public, max-age=${METADATA_MAX_AGE_SECONDS}`)
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @ApiOkResponse({ schema: METADATA_SCHEMA })
  authorizationServer(): ServerMetadata {
    return this.metadata;
  }
}
