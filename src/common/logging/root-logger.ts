import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { pino, type Logger } from 'pino';

/** The header a caller may name its request with, and that every answer carries back. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's request id is taken only when it is a short token: it is written into every line. */
const SANE_REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * The one pino logger of the process: Fastify's request logging and Nest's `Logger` both write
 * through it, so every line is one JSON object of the same shape (`level` as its name, `time`,
 * `pid`, `hostname`, `msg`, and `reqId` on every line logged during a request).
 *
 * Nothing logged names a secret: requests are logged by method and route pattern (a path such as
 * `/auth/validate/{sid}` may carry one, a query string too), errors by type, message and stack
 * (a driver error's own fields may hold query parameters). The redaction is a second line of
 * defence, should a header ever reach a line.
 */
export function createRootLogger(level: string): Logger {
  return pino({
    level,
    formatters: { level: (label) => ({ level: label }) },
    serializers: {
      req: (request: { method?: string; routeOptions?: { url?: string } }) => ({
        method: request.method,
        route: request.routeOptions?.url ?? '(unmatched)',
      }),
      res: (reply: { statusCode?: number }) => ({ status: reply.statusCode }),
      err: (error: unknown) =>
        error instanceof Error
          ? { type: error.name, message: error.message, stack: error.stack }
          : error,
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        'headers.authorization',
        'headers.cookie',
        'headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  });
}

/** Fastify's `genReqId`: the caller's `X-Request-Id` when it is a sane token, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * nestjs-pino on Fastify's logger (`useExisting`): within a request, Nest's `Logger` writes through
 * the request's own logger, so its lines carry the request's `reqId`; outside one, through a child
 * of the same root.
 */
export function nestLoggerParams(logger: Logger): Params {
  // Every path: nestjs-pino's default (`{/*splat}`) reaches this version of the Fastify adapter as
  // `/{/*splat}`, which does not match a path such as `/auth/login`.
  return {
    pinoHttp: { logger },
    useExisting: true,
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
}
