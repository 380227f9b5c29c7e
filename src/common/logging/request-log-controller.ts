import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { REQUEST_ID_HEADER } from './root-logger.js';

/**
 * Fastify's request logging, as one structured line when a request completes. The route pattern
 * stands for the path, since a path (such as `/auth/validate/{sid}`) may carry a secret; headers
 * and bodies are never logged. The same moment observes the request's duration for /metrics.
 * Every answer carries the request's id, which every line logged during the request carries.
 */
export class RequestLogController extends LogController {
  private metrics: MetricsService | null = null;

  /** The metrics exist only once the app is built, after Fastify, which needs this controller. */
  observeDurationsWith(metrics: MetricsService): void {
    this.metrics = metrics;
  }

  /** Fastify calls this for every request as it gets its logger: the id goes out at no extra hook. */
  incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    reply.header(REQUEST_ID_HEADER, request.id);
  }

  requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const route = request.routeOptions.url ?? '(unmatched)';
    this.metrics?.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  }
}
