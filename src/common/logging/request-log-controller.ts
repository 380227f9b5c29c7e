import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Fastify's request logging, as one structured line when a request completes. The route pattern
 * stands for the path, since a path (such as `/auth/validate/{sid}`) may carry a secret; headers
 * and bodies are never logged.
 */
export class RequestLogController extends LogController {
  incomingRequest(): void {}

  requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(unmatched)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  }
}
