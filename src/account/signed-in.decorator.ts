import { applyDecorators, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiHeader,
  ApiQuery,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from './dto/error-response.dto.js';
import { SignedInGuard } from './signed-in.guard.js';

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

/** A self-service route: any enabled user, by access JWT, user token or session. */
export function SignedIn() {
  return applyDecorators(
    UseGuards(SignedInGuard),
    ApiBearerAuth('jwt'),
    ApiBearerAuth('user-token'),
    ApiSessionId(),
    ApiUnauthorizedResponse({
      type: ErrorResponseDto,
      description: 'No live access JWT, user token or session',
    }),
  );
}
