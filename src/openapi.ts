import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** The OpenAPI document at /docs-json and Swagger UI at /docs, built from the controllers and DTOs. */
export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gatehouse')
      .setDescription('One authentication service speaking five existing auth APIs.')
      .setVersion('1.0')
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
        { type: 'http', scheme: 'bearer', description: 'A user token (UUID)' },
        'user-token',
      )
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access JWT' },
        'jwt',
      )
      .addCookieAuth(
        'GCN_SESSION_SECRET',
        {
          type: 'apiKey',
          in: 'cookie',
          description: 'The session secret (set by the session logins)',
        },
        'session',
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
