import { applyDecorators, Header, HttpCode } from '@nestjs/common';
import { ApiNotAcceptableResponse, ApiProduces, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Access } from '../identity/access.decorator.js';

/**
 * A route of the user-token API: 200 on success, JSON only (406 otherwise, `Vary: Accept`, told
 * before the credential is read), and the caller authenticated by their user token.
 */
export function UserTokenRoute() {
  return applyDecorators(
    HttpCode(200),
    Header('Vary', 'Accept'),
    Access({
      accepts: ['user-token'],
      rule: 'signed-in',
      strategy: 'user-token',
      before: ['accepts-json'],
    }),
    ApiProduces('application/json'),
    ApiUnauthorizedResponse({ description: 'Authorization failed' }),
    ApiNotAcceptableResponse({ description: 'The Accept header rules out application/json' }),
  );
}
