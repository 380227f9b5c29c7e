import {
  HttpException,
  InternalServerErrorException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../errors/database-errors.js';
import {
  SECOND_FACTOR_HEADER,
  SecondFactorRequiredException,
} from '../errors/second-factor-required.exception.js';
import { TooManyAttemptsException } from '../errors/too-many-attempts.exception.js';
import { dialectOf } from './dialects.js';

/**
 * Any thrown value as an HttpException: a database out of reach is a 503; anything else that is
 * not one is logged and becomes a bare 500. (Nest has already turned Fastify's client errors, such
 * as a body that is not JSON, into HttpExceptions.) `log` is the request's logger, so that the
 * line carries the request's id.
 */
function toHttpException(error: unknown, log: FastifyBaseLogger): HttpException {
  if (error instanceof HttpException) return error;
  if (isDatabaseUnavailable(error)) {
    log.warn(`Database unavailable: ${(error as Error).message}`);
    return new ServiceUnavailableException('Service temporarily unavailable; try again shortly');
  }
  // Only the name, message and stack: driver errors carry query parameters, which may hold secrets.
  // In pino's shape for an error, with its message as the line's `msg`.
  const { name, message, stack } = (error ?? {}) as Error;
  log.error({ err: { type: name, message, stack } }, message ?? 'Unexpected error');
  return new InternalServerErrorException('Internal Server Error');
}

/** Answers `error` in the dialect of the route that was called, at the Clock's `nowMs`. */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  nowMs: number,
): FastifyReply {
  const exception = toHttpException(error, request.log);
  const { status, body, contentType, headers } = dialectOf(request).reply(
    exception,
    request,
    nowMs,
  );
  if (exception instanceof TooManyAttemptsException) {
    reply.header('Retry-After', String(exception.retryAfterSeconds));
  }
  if (exception instanceof SecondFactorRequiredException) {
    reply.header(SECOND_FACTOR_HEADER, 'required');
  }
  return reply
    .status(status)
    .headers(headers ?? {})
    .type(
      contentType ??
        (typeof body === 'string'
          ? 'text/plain; charset=utf-8'
          : 'application/json; charset=utf-8'),
    )
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}
