import { STATUS_CODES } from 'node:http';
import type { HttpException } from '@nestjs/common';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/** Nest's own shape, for the routes outside the five APIs (health, keys, docs, unknown paths). */
export const defaultDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const body =
      typeof response === 'object' && !(response as { message?: unknown }).message
        ? response
        : {
            statusCode: status,
            message: errorMessage(error),
            error: STATUS_CODES[status] ?? 'Error',
          };
    return { status, body };
  },
};
