import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiHeader,
  ApiQuery,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import { Access } from './access.decorator.js';

/** The session credential's sid, for the routes that take a session besides a Bearer token. */
export function ApiSessionId() {
  return applyDecorators(
    ApiCookieAuth('session'),
    ApiHeader({
      name: 'X-Session-Id',
      required: false,
      description: 'The sid of the session whose secret is in the session cookie',
    }),
    ApiQuery({
      name: 'sid',
      required: false,
      type: String,
      description: 'The sid, instead of X-Session-Id',
    }),
  );
}

/**
 * A route's access rule, stated once: who may call it, checked by AccessGuard, and the
 * credentials it takes, documented in OpenAPI. `signed-in`: any enabled user, by access JWT, user
 * token or session (self-service); `admin`: an admin, by access JWT or session (administration).
 */
export function Authenticated(access: 'signed-in' | 'admin') {
  const admin = access === 'admin';
  return applyDecorators(
    Access({
      accepts: admin ? ['access-jwt', 'session'] : ['access-jwt', 'user-token', 'session'],
      rule: access,
    }),
    ApiBearerAuth('jwt'),
    ...(admin ? [] : [ApiBearerAuth('user-token')]),
    ApiSessionId(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: admin
        ? 'No live access JWT or session'
        : 'No live access JWT, user token or session',
    }),
    ...(admin
      ? [
          ApiForbiddenResponse({
            type: ErrorResponseDto,
            description: 'The caller is not an admin',
          }),
        ]
      : []),
  );
}
