import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * A signal that aborts when the connection closes before the answer is sent: a route that waits
 * for something to answer stops waiting for a client that went away.
 */
export const ResponseClosed = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AbortSignal => {
    const response = context.switchToHttp().getResponse<FastifyReply>().raw;
    const closed = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) closed.abort();
    });
    return closed.signal;
  },
);
