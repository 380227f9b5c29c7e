import { HttpStatus, type HttpException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { errorMessage, type ErrorDialect } from './error-dialect.js';

/**
 * The user-token API: `{statusCode, message}`, with the challenge of the scheme the route takes
 * on a 401 (Basic for login, Bearer for the others), and `Vary: Accept` as on its successes.
 */
export const userTokenDialect: ErrorDialect = {
  reply(error: HttpException, request: FastifyRequest) {
    const status = error.getStatus();
    const headers: Record<string, string> = { Vary: 'Accept' };
    if (status === HttpStatus.UNAUTHORIZED) {
      const scheme = request.routeOptions.url === '/auth/login' ? 'Basic' : 'Bearer';
      headers['WWW-Authenticate'] = `${scheme} realm="gatehouse"`;
    }
    return { status, headers, body: { statusCode: status, message: errorMessage(error) } };
  },
};
