import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The JSON body, or an empty object when the request has none: for routes whose body is
 * optional. The global validation pipe validates it against the parameter's DTO all the same.
 */
export const OptionalJsonBody = createParamDecorator(
  (_: unknown, context: ExecutionContext) =>
    context.switchToHttp().getRequest<FastifyRequest>().body ?? {},
);
