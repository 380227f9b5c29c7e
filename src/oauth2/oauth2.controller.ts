import { Body, Controller, Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { GatehouseRouteConfig } from '../common/decorators/dialect.decorator.js';
import { FORM, type FormRouteConfig } from '../common/form-body.js';
import { AppConfig } from '../config/app-config.js';
import type { ClientTokenClaims } from '../credentials/access-tokens/access-token-verifier.js';
import {
  ClientTokensService,
  grantableScope,
} from '../credentials/service-clients/client-tokens.service.js';
import type { ClientRequest } from '../identity/access-checks.service.js';
import { bearerToken } from '../identity/request-credentials.js';
import { TokenCheckService } from '../identity/token-check.service.js';
import {
  INTROSPECTION_RESPONSE_SCHEMA,
  type IntrospectionResponse,
  OAUTH2_ERROR_SCHEMA,
  TOKEN_FORM_SCHEMA,
  TOKEN_REQUEST_FORM_SCHEMA,
  TOKEN_RESPONSE_SCHEMA,
  type TokenForm,
  type TokenRequestForm,
  type TokenResponse,
} from './dto/oauth2.dto.js';
import { CLIENT_CHALLENGE, OAuth2Exception, OAuth2ExceptionFilter } from './oauth2-error.js';
import { TokenRevocationService } from './token-revocation.service.js';
import { Access } from '../identity/access.decorator.js';

const unauthorized = {
  description: 'No Basic credentials of an enabled service client (`{"error": "invalid_client"}`)',
  headers: { 'WWW-Authenticate': { schema: { type: 'string', example: CLIENT_CHALLENGE } } },
  content: {
    'application/json': { schema: OAUTH2_ERROR_SCHEMA, example: { error: 'invalid_client' } },
  },
};
const noToken = {
  description:
    'No `token` (`invalid_request`), a parameter given twice, or (revocation) a session ' +
    '(`unsupported_token_type`)',
  content: {
    'application/json': { schema: OAUTH2_ERROR_SCHEMA, example: { error: 'invalid_request' } },
  },
};
const badTokenRequest = {
  description:
    'No `grant_type` or a parameter given twice (`invalid_request`), a grant other than ' +
    '`client_credentials` (`unsupported_grant_type`), a scope other than `ssf` (`invalid_scope`)',
  content: {
    'application/json': {
      schema: OAUTH2_ERROR_SCHEMA,
      example: { error: 'unsupported_grant_type' },
    },
  },
};
const formRoute = { dialect: 'default', form: true } satisfies GatehouseRouteConfig &
  FormRouteConfig;

/**
 * Service clients' own tokens (the client credentials grant), introspection (RFC 7662) and
 * revocation (RFC 7009), for services that speak OAuth 2.0.
 */
@ApiTags('OAuth 2.0')
@Controller('oauth2')
@UseFilters(OAuth2ExceptionFilter)
export class OAuth2Controller {
  constructor(
    private readonly config: AppConfig,
    private readonly tokenCheck: TokenCheckService,
    private readonly revocation: TokenRevocationService,
    private readonly clientTokens: ClientTokensService,
  ) {}

  @Post('token')
  @Access({
    accepts: ['service-client'],
    rule: 'service-client',
    refused: () => OAuth2Exception.invalidClient(),
  })
  @HttpCode(200)
  @RouteConfig(formRoute)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @ApiBasicAuth('basic')
  @ApiOperation({
    summary: 'A service client’s own access token (RFC 6749 §4.4: client credentials grant)',
    description:
      'For a registered service client (Basic `client_id:client_secret`), to call the Shared ' +
      'Signals endpoints: an RFC 9068 access JWT of scope `ssf` for five minutes, signed by a ' +
      'key of the JWKS. It stands for the client, never a user: no door that takes a user’s ' +
      'token takes it. It ends when its client is disabled, given a new secret or deleted; ' +
      'revocation ignores it.',
  })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_REQUEST_FORM_SCHEMA })
  @ApiOkResponse({
    schema: TOKEN_RESPONSE_SCHEMA,
    headers: {
      'Cache-Control': { schema: { type: 'string', example: 'no-store' } },
      Pragma: { schema: { type: 'string', example: 'no-cache' } },
    },
  })
  @ApiBadRequestResponse(badTokenRequest)
  @ApiUnauthorizedResponse(unauthorized)
  async token(
    @Req() request: ClientRequest,
    @Body() form: TokenRequestForm,
  ): Promise<TokenResponse> {
    const scope = clientCredentialsScope(form);
    const issued = await this.clientTokens.issue(request.serviceClient!, scope, 'oauth2');
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: issued.scope,
    };
  }

  @Post('introspect')
  @Access({
    accepts: ['service-client'],
    rule: 'service-client',
    refused: () => OAuth2Exception.invalidClient(),
  })
  @HttpCode(200)
  @RouteConfig(formRoute)
  @Header('Cache-Control', 'no-store')
  @ApiBasicAuth('basic')
  @ApiOperation({
    summary: 'Token introspection (RFC 7662): is this credential live, and whose is it?',
    description:
      'For a registered service client (Basic `client_id:client_secret`). Any of the three ' +
      'credential kinds, checked by the same rule as every other check: an access JWT (its ' +
      '`aud`, if any, must name the client), a user token, or a session as the sid followed by ' +
      'its secret; or a service client’s own token, answered with its `client_id`. Anything ' +
      'dead, unknown or malformed is `{"active": false}` and nothing else.',
  })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_FORM_SCHEMA })
  @ApiOkResponse({ schema: INTROSPECTION_RESPONSE_SCHEMA })
  @ApiBadRequestResponse(noToken)
  @ApiUnauthorizedResponse(unauthorized)
  async introspect(
    @Req() request: ClientRequest,
    @Body() form: TokenForm,
  ): Promise<IntrospectionResponse> {
    const token = tokenOf(form);
    // A client's token first: it stands for no user, so the user check would count it as failed.
    const clientToken = await this.clientTokens.holderOf(token, request.snapshot);
    if (clientToken) return clientTokenIntrospection(clientToken.claims);
    const identity = await this.tokenCheck.identify(
      token,
      request.serviceClient!.name,
      request.snapshot,
    );
    if (!identity) return { active: false };
    return {
      active: true,
      sub: String(identity.userId),
      username: identity.username,
      scope: identity.scope,
      iat: identity.iat,
      ...(identity.exp === null ? {} : { exp: identity.exp }),
      iss: this.config.jwt.issuer,
      ...(identity.audience ? { aud: identity.audience } : {}),
      token_type: identity.kind === 'session' ? 'session' : 'Bearer',
      kind: identity.kind,
      privilege: identity.privilege,
    };
  }

  @Post('revoke')
  @Access({
    accepts: ['service-client', 'access-jwt', 'user-token'],
    rule: 'service-client-or-token',
    refused: () => OAuth2Exception.invalidClient(),
  })
  @HttpCode(200)
  @RouteConfig(formRoute)
  @ApiBasicAuth('basic')
  @ApiBearerAuth('jwt')
  @ApiBearerAuth('user-token')
  @ApiOperation({
    summary: 'Token revocation (RFC 7009): an access JWT (by its jti) or a user token',
    description:
      'By a registered service client (Basic), or by the token itself (`Authorization: Bearer` ' +
      'with the same token as in the body). 200 with an empty body whether or not the token was ' +
      'live, as RFC 7009 §2.2 says. Sessions end through the session API’s logout: a session ' +
      'here is `unsupported_token_type`. A service client’s own token is not revoked (200, and ' +
      'it lives on its five minutes): disabling the client or giving it a new secret ends it.',
  })
  @ApiConsumes(FORM)
  @ApiBody({ schema: TOKEN_FORM_SCHEMA })
  @ApiOkResponse({
    description: 'Revoked, or nothing to revoke: an empty body',
    content: { 'text/plain': { schema: { type: 'string', maxLength: 0, example: '' } } },
  })
  @ApiBadRequestResponse(noToken)
  @ApiUnauthorizedResponse({
    ...unauthorized,
    description:
      'Neither Basic credentials of an enabled service client nor the token itself as Bearer',
  })
  async revoke(@Req() request: ClientRequest, @Body() form: TokenForm): Promise<void> {
    const client = request.serviceClient ?? null;
    const token = tokenOf(form);
    // Without a client, the Bearer token is the credential: it may end only itself.
    if (client === null && bearerToken(request) !== token) throw OAuth2Exception.invalidClient();
    await this.revocation.revoke(token, client?.name ?? null);
  }
}

/** A live service client's own token, the one kind of token that stands for no user. */
function clientTokenIntrospection(claims: ClientTokenClaims): IntrospectionResponse {
  return {
    active: true,
    client_id: claims.client_id,
    sub: claims.sub,
    scope: claims.scope,
    iat: claims.iat,
    exp: claims.exp,
    iss: claims.iss,
    aud: [claims.aud].flat(),
    token_type: 'Bearer',
    kind: 'client-token',
  };
}

/**
 * The scope a token request (RFC 6749 §4.4.2) is granted, or its error (§5.2): the grant must be
 * the client credentials grant, and the scope, if any, one Gatehouse knows.
 */
function clientCredentialsScope(form: TokenRequestForm | undefined): string {
  const grantType = form?.grant_type;
  const requested = form?.scope;
  if (typeof grantType !== 'string' || grantType === '' || !isOptionalText(requested)) {
    throw new OAuth2Exception(400, 'invalid_request');
  }
  if (grantType !== 'client_credentials') throw new OAuth2Exception(400, 'unsupported_grant_type');
  const scope = grantableScope(requested);
  if (scope === null) throw new OAuth2Exception(400, 'invalid_scope');
  return scope;
}

function isOptionalText(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}

function tokenOf(form: TokenForm | undefined): string {
  const token = form?.token;
  if (typeof token !== 'string' || token === '') throw new OAuth2Exception(400, 'invalid_request');
  return token;
}
