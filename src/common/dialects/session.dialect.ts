import { HttpStatus, type HttpException } from '@nestjs/common';
import {
  genericResponse,
  message,
  type ResponseCode,
  SessionApiException,
} from './generic-response.js';
import { RequestValidationError } from '../validation/request-validation.error.js';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/** Statuses of input the service cannot take: a bad body, a body too large or not JSON. */
const BAD_INPUT = new Set<number>([
  HttpStatus.BAD_REQUEST,
  HttpStatus.PAYLOAD_TOO_LARGE,
  HttpStatus.UNSUPPORTED_MEDIA_TYPE,
]);

function responseCodeFor(status: number): Exclude<ResponseCode, 'OK'> {
  if (status === HttpStatus.UNAUTHORIZED) return 'AUTHREQUIRED';
  if (status === HttpStatus.FORBIDDEN) return 'PERMISSION';
  if (status === HttpStatus.NOT_FOUND) return 'NOTFOUND';
  if (BAD_INPUT.has(status)) return 'INVALIDDATA';
  return 'FAILURE';
}

/**
 * The session API and its password endpoints: the GenericResponse envelope, with the response
 * code of the situation and a CRITICAL message naming the field at fault (`body` when the body as
 * a whole is).
 */
export const sessionDialect: ErrorDialect = {
  reply(error: HttpException, _request, nowMs) {
    const status = error.getStatus();
    if (error instanceof RequestValidationError) {
      const messages = error.issues.map((issue) =>
        message('CRITICAL', issue.message, nowMs, issue.field),
      );
      return { status, body: genericResponse('INVALIDDATA', 'Invalid request', { messages }) };
    }
    const code =
      error instanceof SessionApiException ? error.responseCode : responseCodeFor(status);
    const detail = errorMessage(error);
    const fieldName =
      error instanceof SessionApiException ? error.fieldName : code === 'INVALIDDATA' ? 'body' : '';
    return {
      status,
      body: genericResponse(code, detail, {
        messages: [message('CRITICAL', detail, nowMs, fieldName)],
      }),
    };
  },
};

/** SESSION_API_HTTP_STATUS: the statuses the session API answers with. */
export const SESSION_API_HTTP_STATUSES = ['semantic', 'original'] as const;
export type SessionApiHttpStatus = (typeof SESSION_API_HTTP_STATUSES)[number];

/**
 * The status a session-API answer goes out with, given `status`, the one its situation calls for.
 * `semantic` keeps it, so that a client that reads only the status fails closed. `original`
 * answers 200, successes included, as the original server does, for clients written against it
 * (the verdict is in `responseCode` either way) — all but the limiter's 429: the original had no
 * limiter, so no client of it relies on a 200 there, and a 200 would hide from clients, proxies
 * and monitoring that they are being throttled, Retry-After included.
 */
export function sessionApiStatus(status: number, mode: SessionApiHttpStatus): number {
  if (mode === 'semantic' || status === HttpStatus.TOO_MANY_REQUESTS) return status;
  return HttpStatus.OK;
}
