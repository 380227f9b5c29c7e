import { STATUS_CODES } from 'node:http';
import { HttpStatus, type HttpException } from '@nestjs/common';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/** The challenge of a Shared Signals route: a service client's credentials are its credential. */
export const SSF_CHALLENGE = 'Basic realm="gatehouse"';

/**
 * The codes of RFC 8935 §2.3 where they fit (a bad request, a failed authentication), and plain
 * names for the answers of SSF 1.0 §8.1 that RFC 8935 has no code for.
 */
const ERR_BY_STATUS: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'invalid_request',
  [HttpStatus.UNAUTHORIZED]: 'authentication_failed',
  [HttpStatus.FORBIDDEN]: 'access_denied',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'invalid_request',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'invalid_request',
  [HttpStatus.TOO_MANY_REQUESTS]: 'too_many_requests',
};

/**
 * The Shared Signals API (stream management, status, verification, poll): `{err, description}`,
 * the shape RFC 8935 and RFC 8936 give the errors of SET delivery, so that one receiver reads
 * every error of the transmitter the same way. A 401 carries the challenge a client answers.
 */
export const ssfDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    const err =
      ERR_BY_STATUS[status] ??
      (STATUS_CODES[status] ?? 'error').toLowerCase().replaceAll(/[^a-z]+/g, '_');
    return {
      status,
      body: { err, description: errorMessage(error) },
      headers: {
        'Cache-Control': 'no-store',
        ...(status === HttpStatus.UNAUTHORIZED && { 'WWW-Authenticate': SSF_CHALLENGE }),
      },
    };
  },
};
