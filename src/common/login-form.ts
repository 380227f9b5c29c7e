import type { FastifyRequest } from 'fastify';

/**
 * `POST /auth/login` belongs to two APIs (SPEC §1): with `Authorization: Basic` it is the
 * user-token login, otherwise the session login. This is the one place that tells them apart.
 */
export function isBasicLogin(request: Pick<FastifyRequest, 'headers'>): boolean {
  return /^Basic\s/i.test(request.headers.authorization ?? '');
}
