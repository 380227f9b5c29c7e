import type { HttpException } from '@nestjs/common';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/** The Security API: `{statusCode, message}` for a bad body (400), bad credentials or a missing token (401). */
export const securityDialect: ErrorDialect = {
  reply(error: HttpException) {
    const status = error.getStatus();
    return { status, body: { statusCode: status, message: errorMessage(error) } };
  },
};
