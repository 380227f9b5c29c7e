import type { FastifyRequest } from 'fastify';

/**
 * Whether a request carries `Authorization: Basic …`: on `POST /auth/login` it tells the
 * user-token login from the session login, before anything is parsed.
 */
export function hasBasicAuthorization(request: Pick<FastifyRequest, 'headers'>): boolean {
  return /^Basic\s/i.test(request.headers.authorization ?? '');
}
