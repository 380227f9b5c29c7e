import { STATUS_CODES } from 'node:http';
import { HttpStatus, type HttpException } from '@nestjs/common';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/**
 * The REST-auth API: a failed Basic authentication is the document's 401 page verbatim; every
 * other error is its status with a JSON message.
 */
export const restAuthDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    if (status === HttpStatus.UNAUTHORIZED) {
      return {
        status,
        contentType: 'text/html; charset=utf-8',
        headers: { 'WWW-Authenticate': 'Basic realm="Authentication Required"' },
        body: 'Unauthorized Access',
      };
    }
    return {
      status,
      body: { error: STATUS_CODES[status] ?? 'Error', message: errorMessage(error) },
    };
  },
};
