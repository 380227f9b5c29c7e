import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppConfig } from './config/app-config.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

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
      .addTag('Keys', 'The public keys that verify access tokens')
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
  SwaggerModule.setup('docs', app, markPublicOperations(document), {
    jsonDocumentUrl: 'docs-json',
  });
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
