import {
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SSF_CHALLENGE } from '../common/dialects/ssf.dialect.js';
import type { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import type { ClientRequest } from '../identity/access-checks.service.js';
import { Access } from '../identity/access.decorator.js';
import { SsfErrorDto } from './dto/ssf-error.dto.js';

const REFUSED =
  'The credentials of an enabled service client, or its token of scope ssf, are required';

/**
 * Who may call the Shared Signals routes, said once for all of them: a receiver, which is a
 * service client, by its credentials or by its own token from `POST /oauth2/token`. Every stream
 * route then acts for that client alone.
 */
export function ReceiverAccess(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    Access({
      accepts: ['service-client', 'client-token'],
      rule: 'service-client',
      refused: () => new UnauthorizedException(REFUSED),
    }),
    ApiBasicAuth('basic'),
    ApiBearerAuth('client-token'),
    ApiUnauthorizedResponse({
      description: 'No credentials of an enabled service client',
      headers: { 'WWW-Authenticate': { schema: { type: 'string', example: SSF_CHALLENGE } } },
      type: SsfErrorDto,
      example: { err: 'authentication_failed', description: REFUSED },
    }),
  );
}

/** The service client a Shared Signals route acts for, as ReceiverAccess authenticated it. */
export const Receiver = createParamDecorator(
  (_data: unknown, context: ExecutionContext): ServiceClient =>
    context.switchToHttp().getRequest<ClientRequest>().serviceClient!,
);
