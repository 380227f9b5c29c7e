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
import type { ClientRequest } from '../identity/access-checks.service.js';
import { bearerToken } from '../identity/request-credentials.js';
import { TokenCheckService } from '../identity/token-check.service.js';
import {
  INTROSPECTION_RESPONSE_SCHEMA,
  type IntrospectionResponse,
  OAUTH2_ERROR_SCHEMA,
  TOKEN_FORM_SCHEMA,
  type TokenForm,
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
const formRoute = { dialect: 'default', form: true } satisfies GatehouseRouteConfig &
  FormRouteConfig;

/** Introspection (RFC 7662) and revocation (RFC 7009), for services that speak OAuth 2.0. */
@ApiTags('OAuth 2.0')
@Controller('oauth2')
@UseFilters(OAuth2ExceptionFilter)
export class OAuth2Controller {
  constructor(
    private readonly config: AppConfig,
    private readonly tokenCheck: TokenCheckService,
    private readonly revocation: TokenRevocationService,
  ) {}

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
      'its secret. Anything dead, unknown or malformed is `{"active": false}` and nothing else.',
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
      'here is `unsupported_token_type`.',
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

function tokenOf(form: TokenForm | undefined): string {
  const token = form?.token;
  if (typeof token !== 'string' || token === '') throw new OAuth2Exception(400, 'invalid_request');
  return token;
}
