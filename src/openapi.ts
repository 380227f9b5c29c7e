import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
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
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription('One authentication service speaking five existing auth APIs.')
      .setVersion('1.0')
      .setLicense('UNLICENSED', 'https://docs.npmjs.com/cli/configuring-npm/package-json#license')
      .addServer(config.publicUrl)
      .addTag('REST-auth API', 'Users, Basic authentication and short-lived tokens')
      .addTag('JWT API', 'RS256 access tokens for a username and password')
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
      .addTag('Self-service', 'My profile, password, user tokens and sessions (any signed-in user)')
      .addTag(
        'Forward authentication',
        'For reverse proxies (nginx, Traefik, Caddy, Envoy): whether a forwarded request may pass',
      )
      .addTag('Keys', 'The public keys that verify access tokens, and the server metadata')
      .addTag(
        'OAuth 2.0',
        'Token introspection (RFC 7662) and revocation (RFC 7009) for registered service clients',
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
  const served = addPlatformAnswers(markPublicOperations(document));
  SwaggerModule.setup(
    'docs',
    app,
    config.sessionApiHttpStatus === 'original' ? documentOriginalStatuses(served) : served,
    { jsonDocumentUrl: 'docs-json' },
  );
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
      content: { 'application/json': { schema: platform } },
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
