import { STATUS_CODES } from 'node:http';
import { HttpStatus, type HttpException } from '@nestjs/common';
import { UsernameTakenError } from '../errors/username-taken.error.js';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/**
 * The REST-auth API: a failed Basic authentication is the document's 401 page verbatim, and a
 * taken username is `{"status": "Username <name> already exists"}` as the fork the document was
 * copied from answers (the name as the request gave it); every other error is its status with a
 * JSON message, and a body of another media type is one more bad body (400), the only failure its
 * document names.
 */
export const restAuthDialect: ErrorDialect = {
  // Flask answers OPTIONS itself, 200 with Allow, and the fork's own test asserts it.
  optionsStatus: HttpStatus.OK,
  reply(error: HttpException) {
    if (error instanceof UsernameTakenError) {
      return {
        status: HttpStatus.BAD_REQUEST,
        body: { status: `Username ${error.username} already exists` },
      };
    }
    const status =
      error.getStatus() === HttpStatus.UNSUPPORTED_MEDIA_TYPE
        ? HttpStatus.BAD_REQUEST
        : error.getStatus();
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
