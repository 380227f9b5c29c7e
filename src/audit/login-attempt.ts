import type { FastifyRequest } from 'fastify';

/** The API a login came through and the client it came from, as its audit event records them. */
export interface LoginAttempt {
  /** 'security' | 'user-token' | 'rest-auth' | 'jwt' | 'session' */
  api: string;
  address: string | null;
  agent: string | null;
}

/** A login attempt through `api` by the client of `request` (its address honours TRUST_PROXY). */
export function loginAttemptOf(api: string, request: FastifyRequest): LoginAttempt {
  return { api, address: request.ip ?? null, agent: request.headers['user-agent'] ?? null };
}
