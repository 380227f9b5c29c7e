import { Controller, Delete, Get, Options, Patch, Post, Put, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBasicAuth,
  ApiCookieAuth,
  ApiExcludeEndpoint,
  ApiForbiddenResponse,
  ApiFoundResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  SECOND_FACTOR_HEADER,
  SECOND_FACTOR_REQUIRED_HEADERS,
} from '../common/errors/second-factor-required.exception.js';
import { SECOND_FACTOR_CODE_HEADER_DOC } from '../credentials/second-factor/dto/second-factor.dto.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { ForwardAuthService } from './forward-auth.service.js';
import type { ForwardIdentity } from '../identity/forwarded-request-check.service.js';
import { Access } from '../identity/access.decorator.js';

const BEARER_CHALLENGE = 'Bearer realm="gatehouse"';
const BASIC_CHALLENGE = 'Basic realm="gatehouse", charset="UTF-8"';

/** The Envoy ext_authz route: the original path is appended after /auth/forward/. */
const WILDCARD = 'forward/*';
/** Both routes, for the methods besides GET: proxies may ask with the original request's. */
const PATHS = ['forward', WILDCARD];

const header = (description: string, example: string) => ({
  description,
  required: true,
  schema: { type: 'string', example },
});
const IDENTITY_HEADERS = {
  'X-Auth-User': header(
    'The username, percent-encoded as in a URI component (plain ASCII names unchanged)',
    'hawk',
  ),
  'X-Auth-User-Id': header('The user id', '1'),
  'X-Auth-Privilege': header('user or admin', 'user'),
  'X-Auth-Scope': header("The credential's scope, space-separated", 'profile:read profile:write'),
  'Cache-Control': header('Never cacheable', 'no-store'),
};
const NO_STORE_HEADER = { 'Cache-Control': header('Never cacheable', 'no-store') };

const RULE_PROBLEMS =
  'a rule name Gatehouse does not know (misspelt, in another case, `privilege[]`), ' +
  '`privilege` given twice, or a value it does not take';

/** Where each route reads the proxy's rules, as its document says. */
const RULES_IN = {
  query: [
    ApiQuery({
      name: 'privilege',
      required: false,
      enum: ['user', 'admin'],
      description: 'admin admits admins only; user (the default) any signed-in user. At most once',
    }),
    ApiQuery({
      name: 'scope',
      required: false,
      type: [String],
      description: 'Each one given must be in the credential scope',
    }),
    ApiQuery({
      name: 'signin',
      required: false,
      enum: ['redirect'],
      description:
        'redirect: a browser page load (GET or HEAD accepting text/html) without a live ' +
        'credential, from a proxy in TRUST_PROXY, is answered 302 to the sign-in page. At most once',
    }),
    ApiBadRequestResponse({
      description: `A rule of the query that is not one: ${RULE_PROBLEMS}`,
      headers: NO_STORE_HEADER,
    }),
  ],
  header: [
    ApiHeader({
      name: 'X-Gatehouse-Rules',
      required: false,
      description:
        'The rules, set by the proxy, in the syntax of /auth/forward’s query ' +
        '(`privilege=admin&scope=orders:read`, `signin=redirect`); none: any signed-in user. The query of this route ' +
        'is the original request’s and is never read as rules',
      schema: { type: 'string' },
    }),
    ApiBadRequestResponse({
      description: `A rule of X-Gatehouse-Rules that is not one: ${RULE_PROBLEMS}`,
      headers: NO_STORE_HEADER,
    }),
  ],
};

/** The forward-auth operations' documentation: any method is served, GET is documented. */
function documented(summary: string, rulesIn: keyof typeof RULES_IN): MethodDecorator {
  const decorators = [
    ...RULES_IN[rulesIn],
    ApiOperation({
      summary,
      description:
        'For nginx auth_request, Traefik forwardAuth, Caddy forward_auth and Envoy ext_authz: any ' +
        'method is answered alike. The credential, the first the request carries: an ' +
        'Authorization header (Bearer access JWT or user token; Basic only with ' +
        'FORWARD_AUTH_BASIC=true, a pass kept for FORWARD_AUTH_BASIC_CACHE_SECONDS); else the ' +
        'sign-in portal’s cookie (BROWSER_COOKIE_NAME, the sid followed by its secret); else the ' +
        'session cookie with the sid in X-Session-Id or in the sid query of X-Original-URI or ' +
        'X-Forwarded-Uri. The body is always empty.',
    }),
    ApiBearerAuth('jwt'),
    ApiBearerAuth('user-token'),
    ApiCookieAuth('session'),
    ApiBasicAuth('basic'),
    ApiHeader(SECOND_FACTOR_CODE_HEADER_DOC),
    ApiHeader({ name: 'X-Session-Id', required: false, description: 'The bare sid' }),
    ApiHeader({
      name: 'X-Original-URI',
      required: false,
      description: "The original request's URI (nginx); its sid query names the session",
    }),
    ApiHeader({
      name: 'X-Forwarded-Uri',
      required: false,
      description: "The original request's URI (Traefik, Caddy); its sid query names the session",
    }),
    ApiOkResponse({
      description: 'Admitted: the identity headers, and an empty body',
      headers: IDENTITY_HEADERS,
      content: { 'text/plain': { schema: { type: 'string', maxLength: 0, example: '' } } },
    }),
    ApiUnauthorizedResponse({
      description:
        'No live credential; Basic: the right password of a user with a second factor on, without a good X-OTP code, also sends Gatehouse-OTP: required',
      headers: {
        ...SECOND_FACTOR_REQUIRED_HEADERS,
        'WWW-Authenticate': header(
          'Bearer, and Basic when FORWARD_AUTH_BASIC is on',
          BEARER_CHALLENGE,
        ),
        ...NO_STORE_HEADER,
      },
    }),
    ApiFoundResponse({
      description:
        'signin=redirect: a browser page load without a live credential, sent to the sign-in ' +
        'page with the original URL (X-Original-URL, or X-Forwarded-Proto, -Host and -Uri) as rd',
      headers: {
        Location: header(
          'The sign-in page',
          'https://auth.example.com/signin?rd=https%3A%2F%2Fapp.example.com%2F',
        ),
        ...NO_STORE_HEADER,
      },
    }),
    ApiForbiddenResponse({
      description: 'Signed in, but not an admin or without a scope the rules ask for',
      headers: NO_STORE_HEADER,
    }),
    ApiTooManyRequestsResponse({
      description: 'Basic: the client address or the account is locked out',
      headers: {
        'Retry-After': { schema: { type: 'integer' }, required: true },
        ...NO_STORE_HEADER,
      },
    }),
  ];
  return (target, key, descriptor) => {
    for (const decorate of decorators) decorate(target, key, descriptor);
  };
}

/**
 * `/auth/forward` and `/auth/forward/*`, for reverse proxies. Every answer, errors included, is
 * `Cache-Control: no-store` (ForwardAnswersNotStored).
 */
@ApiTags('Forward authentication')
@Access({ accepts: ['access-jwt', 'user-token', 'session', 'password'], rule: 'proxy-rules' })
@Controller('auth')
export class ForwardAuthController {
  constructor(
    private readonly forwardAuth: ForwardAuthService,
    config: AppConfig,
  ) {
    this.challenge = config.forwardAuthBasic
      ? [BEARER_CHALLENGE, BASIC_CHALLENGE]
      : BEARER_CHALLENGE;
  }

  private readonly challenge: string | string[];

  @Get('forward')
  @documented('Checks the credential of a request a reverse proxy forwards', 'query')
  forward(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  @Get(WILDCARD)
  @documented(
    'The same, with the original path appended (Envoy ext_authz), the rules in X-Gatehouse-Rules',
    'header',
  )
  @ApiParam({
    name: 'path',
    description: 'The original path (its query may name the sid, and is never read as rules)',
  })
  forwardWithPath(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  // The other methods, one handler each (a handler has one method), answered as GET is.
  @Post(PATHS)
  @ApiExcludeEndpoint()
  forwardPost(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  @Put(PATHS)
  @ApiExcludeEndpoint()
  forwardPut(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  @Patch(PATHS)
  @ApiExcludeEndpoint()
  forwardPatch(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  @Delete(PATHS)
  @ApiExcludeEndpoint()
  forwardDelete(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  @Options(PATHS)
  @ApiExcludeEndpoint()
  forwardOptions(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.answer(request, reply);
  }

  private async answer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // On the wildcard route the request's own path and query are the original ones (Envoy's).
    const viaPath = (request.params as Record<string, unknown> | undefined)?.['*'] !== undefined;
    const decision = await this.forwardAuth.decide(request, viaPath);
    reply.code(decision.status);
    if (decision.status === 200) reply.headers(identityHeaders(decision.identity));
    if (decision.status === 302) reply.header('location', decision.location);
    if (decision.status === 401) reply.header('www-authenticate', this.challenge);
    if (decision.status === 401 && decision.secondFactorRequired) {
      reply.header(SECOND_FACTOR_HEADER, 'required');
    }
    await reply.send();
  }
}

function identityHeaders(identity: ForwardIdentity): Record<string, string> {
  return {
    'x-auth-user': encodeURIComponent(identity.username),
    'x-auth-user-id': String(identity.userId),
    'x-auth-privilege': identity.privilege,
    'x-auth-scope': identity.scope,
  };
}
