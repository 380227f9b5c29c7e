import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
 *
 * Lines go through `process.stdout`, which Node writes synchronously to pipes and files on Linux:
 * pino's default destination writes from the thread pool, which at exit can put a line still in
 * flight after the last one (the line that says the server stopped), or lose it.
 */
export function createRootLogger(level: string): Logger {
  return pino(
    {
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
    },
    process.stdout,
  );
}

/** Fastify's `genReqId`: the caller's `X-Request-Id` when it is a sane token, else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * nestjs-pino on Fastify's logger (`useExisting`): Nest's `Logger` writes through the same root,
 * in the same format. Its request-binding middleware is not installed: it keeps the request's
 * logger in an AsyncLocalStorage, which on Node 20 slows every promise of every request (the
 * access-JWT check used 30–40% more CPU in the benchmark). Lines logged about a request take the
 * request's own logger instead (`request.log`, which carries its `reqId`), as the error handler
 * does.
 */
export function nestLoggerParams(logger: Logger): Params {
  return { pinoHttp: { logger }, useExisting: true };
}
