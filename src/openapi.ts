import { STATUS_CODES } from 'node:http';
import { HttpException, type INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { GatehouseRouteConfig } from './common/decorators/dialect.decorator.js';
import { type DialectName, dialects } from './common/dialects/dialects.js';
import { SessionApiException } from './common/dialects/generic-response.js';
import { AppConfig } from './config/app-config.js';
import { documentOriginalStatuses } from './sessions/session-api-statuses.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** @nestjs/swagger does not export its OpenAPI types but through OpenAPIObject. */
type Responses = NonNullable<OpenAPIObject['paths'][string]['get']>['responses'];
type ResponseObject = Extract<Responses[string], { description: string }>;
type Schema = NonNullable<NonNullable<ResponseObject['content']>[string]['schema']>;

/** The OpenAPI document at /docs-json and Swagger UI at /docs, built from the controllers and DTOs. */
export function setUpOpenApi(app: INestApplication): void {
  const config = app.get(AppConfig);
  if (!config.docsEnabled) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription('One authentication service speaking five existing auth APIs.')
      .setVersion('1.0')
      .setLicense('UNLICENSED', 'https://docs.npmjs.com/cli/configuring-npm/package-json#license')
      // Try it out calls the servers entry: a relative one is whatever origin served the page (an
      // IP, a name, a proxy), where the default PUBLIC_URL would be localhost seen from elsewhere.
      .addServer(config.publicUrlExplicit ? config.publicUrl : '/')
      .addTag('REST-auth API', 'Users, Basic authentication and short-lived tokens')
      .addTag('JWT API', 'RS256 access tokens for a username and password')
      .addTag(
        'Passkeys',
        'Signing in with a passkey alone (WebAuthn), for an access token as the JWT API issues it',
      )
      .addTag('User-token API', 'Long-lived user tokens (UUIDs), sent as Bearer')
      .addTag(
        'Session API',
        'Sessions (sid and secret cookie), SSO, RSA logins and password hashes',
      )
      .addTag('Security API', 'Authentication, token checks for other services, and privileges')
      .addTag(
        'Administration',
        'Users, groups, credentials, keys and the audit trail (an admin JWT or session)',
      )
      .addTag(
        'Self-service',
        'My profile, password, passkeys, user tokens and sessions (any signed-in user)',
      )
      .addTag(
        'Forward authentication',
        'For reverse proxies (nginx, Traefik, Caddy, Envoy): whether a forwarded request may pass',
      )
      .addTag('Keys', 'The public keys that verify access tokens, and the server metadata')
      .addTag(
        'OAuth 2.0',
        'Token introspection (RFC 7662) and revocation (RFC 7009) for registered service clients',
      )
      .addTag(
        'Shared Signals',
        'Security events for the services that hold tokens (SSF 1.0, CAEP, RISC): streams, push and poll',
      )
      .addTag('Operations', 'Prometheus metrics')
      .addTag('Health', 'Liveness and readiness probes')
      .addBasicAuth({ type: 'http', scheme: 'basic', description: 'username:password' }, 'basic')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'UUID',
          description: 'A user token (UUID)',
        },
        'user-token',
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access JWT' },
        'jwt',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "A service client's token (POST /oauth2/token, scope ssf)",
        },
        'client-token',
      )
      .addCookieAuth(
        config.sessions.cookieName,
        {
          type: 'apiKey',
          in: 'cookie',
          description: 'The session secret (set by the session logins)',
        },
        'session',
      )
      .build(),
  );
  const answered = addPlatformAnswers(markPublicOperations(document));
  // The examples come last: the session API's statuses are folded by what each answer's schema is.
  const served = exampleEveryError(
    config.sessionApiHttpStatus === 'original' ? documentOriginalStatuses(answered) : answered,
    dialectsOfOperations(app),
  );
  SwaggerModule.setup('docs', app, served, { jsonDocumentUrl: 'docs-json' });
}

/** Operations that never read the database, so never answer its outage. */
const WITHOUT_DATABASE = new Set(['/health/live', '/metrics']);

/** Methods whose body Fastify reads before the route runs, whether or not the route takes one. */
const WITH_BODY = new Set(['post', 'put', 'patch', 'delete']);

/**
 * The answers every route may give whatever its API, as the platform gives them: a request not
 * sent within REQUEST_TIMEOUT_SECONDS (408, and the connection closes); wherever a body may be
 * sent, even to a route that reads none, a body too large (413), not JSON (415) or not JSON the
 * service takes (400: malformed, too deep, holding NUL); where the path has a parameter, 414 for
 * one longer than Fastify's router reads; and 503 while the database is out of reach. Each is
 * worded by the platform or in the route's dialect, so only the status is said.
 */
function addPlatformAnswers(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses['408'] ??= {
        description:
          'The request did not arrive within REQUEST_TIMEOUT_SECONDS; the connection closes',
      };
      if (path.includes('{')) {
        operation.responses['414'] ??= {
          description: 'A path parameter is longer than the 100 characters the router reads',
          content: {
            'application/json': {
              example: {
                statusCode: 414,
                code: 'FST_ERR_MAX_PARAM_LENGTH',
                error: 'URI Too Long',
                message: `'${path.replace(/\{[^}]+\}/g, '1'.repeat(101))}' is exceeding the max param length`,
              },
            },
          },
        };
        admitBadUrlAnswer(operation.responses);
      }
      if (operation.requestBody || WITH_BODY.has(method)) {
        operation.responses['400'] ??= {
          description: 'The body is malformed JSON, nested too deep or holds NUL characters',
        };
        operation.responses['413'] ??= { description: 'The body is larger than the service takes' };
        operation.responses['415'] ??= { description: 'The body is not JSON' };
      }
      if (!WITHOUT_DATABASE.has(path)) {
        operation.responses['503'] ??= { description: 'The database is out of reach' };
      }
    }
  }
  return document;
}

/**
 * A path parameter that is not valid percent-encoding (`%C0%AE`) is refused by Fastify's router
 * before any route runs, so in the platform's words and not the route's dialect: the route's 400
 * takes that body too.
 */
function admitBadUrlAnswer(responses: Responses): void {
  const platform: Schema = {
    type: 'object',
    description: "Fastify's answer to a path it cannot decode",
    required: ['statusCode', 'code', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', example: 400 },
      code: { type: 'string', example: 'FST_ERR_BAD_URL' },
      error: { type: 'string', example: 'Bad Request' },
      message: { type: 'string', example: "'/auth/validate/%C0%AE' is not a valid url component" },
    },
  };
  const documented = responses['400'] as ResponseObject | undefined;
  const json = documented?.content?.['application/json'];
  if (!documented) {
    responses['400'] = {
      description: 'A path parameter that is not valid percent-encoding',
      content: {
        'application/json': {
          schema: platform,
          example: {
            statusCode: 400,
            code: 'FST_ERR_BAD_URL',
            error: 'Bad Request',
            message: "'/api/admin/clients/%C0%AE' is not a valid url component",
          },
        },
      },
    };
  } else if (json?.schema) {
    json.schema = { anyOf: [json.schema, platform] };
  }
}

/**
 * Says `security: []` on the operations that take no credential, as OpenAPI wants a public
 * operation to say; which operations those are is checked against a list by the OpenAPI test.
 */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation && !operation.security?.length) operation.security = [];
    }
  }
  return document;
}

/** The time the examples of the session API's envelopes show. */
const EXAMPLE_TIME_MS = Date.UTC(2026, 0, 1);

/**
 * Each operation's error dialect, by the operation id Swagger gives it (`Controller_method`): the
 * dialect its route config names, as errors are answered at run time.
 */
function dialectsOfOperations(app: INestApplication): Map<string, DialectName> {
  const found = new Map<string, DialectName>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (typeof metatype !== 'function') continue;
      const prototype = metatype.prototype as Record<string, unknown>;
      for (const key of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[key];
        if (typeof handler !== 'function' || !Reflect.hasMetadata(PATH_METADATA, handler)) continue;
        const routeConfig = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as
          GatehouseRouteConfig | undefined;
        found.set(`${metatype.name}_${key}`, routeConfig?.dialect ?? 'default');
      }
    }
  }
  return found;
}

/**
 * Gives every error status that carries a body an example of that status's own body, in the
 * route's dialect, unless its decorators wrote one: Swagger UI would otherwise show the example of
 * the shared error schema (one status's) for all of them, or nothing. The example is what the
 * dialect answers to an error of that status worded as the response's description. A status the
 * dialect answers as another (REST-auth's 415 is its 400) is never sent, so it goes.
 */
function exampleEveryError(
  document: OpenAPIObject,
  dialectOf: Map<string, DialectName>,
): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const dialect = dialects[dialectOf.get(operation.operationId ?? '') ?? 'default'];
      // The shared login answers a request without Basic credentials in the session dialect.
      const request = { headers: {}, routeOptions: { url: path, config: {} } } as FastifyRequest;
      for (const [status, answer] of Object.entries(operation.responses)) {
        const code = Number(status);
        if (!(code >= 400) || code === 408) continue;
        const response = answer as ResponseObject;
        if (Object.values(response.content ?? {}).some(hasOwnExample)) continue;
        const reply = dialect.reply(errorOf(code, response.description), request, EXAMPLE_TIME_MS);
        if (reply.status !== code) {
          delete operation.responses[status];
          continue;
        }
        const type = reply.contentType?.split(';')[0] ?? 'application/json';
        response.content ??= {};
        response.content[type] = { ...response.content[type], example: reply.body };
      }
    }
  }
  return document;
}

/**
 * The error a response's description tells of: the session API's own words where it quotes them
 * (`NOTFOUND "No such session": …`), else the description itself.
 */
function errorOf(status: number, description: string): HttpException {
  const quoted = /\b(NOTFOUND|INVALIDDATA|FAILURE|PERMISSION|AUTHREQUIRED) "([^"]+)"/.exec(
    description,
  );
  if (quoted) {
    return new SessionApiException(
      quoted[1] as SessionApiException['responseCode'],
      quoted[2],
      status,
    );
  }
  return new HttpException(description || (STATUS_CODES[status] ?? 'Error'), status);
}

function hasOwnExample(media: NonNullable<ResponseObject['content']>[string]): boolean {
  const schema = media.schema as { example?: unknown } | undefined;
  return (
    media.example !== undefined || media.examples !== undefined || schema?.example !== undefined
  );
}
