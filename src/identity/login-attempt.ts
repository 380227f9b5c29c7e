import type { FastifyRequest } from 'fastify';

/** Set on a request whose route counted it against the per-address login limit already. */
const LOGIN_LIMIT_COUNTED = Symbol('login limit counted');

/** The API a login came through and the client it came from, as its audit event records them. */
export interface LoginAttempt {
  /** 'security' | 'user-token' | 'rest-auth' | 'jwt' | 'session' | 'self-service' | 'webauthn' | … */
  api: string;
  address: string | null;
  agent: string | null;
  /** Whether the route counted this request against the login limit already (a login route). */
  limitCounted?: boolean;
}

type MarkedRequest = FastifyRequest & { [LOGIN_LIMIT_COUNTED]?: true };

/** A login attempt through `api` by the client of `request` (its address honours TRUST_PROXY). */
export function loginAttemptOf(api: string, request: FastifyRequest): LoginAttempt {
  return {
    api,
    address: request.ip ?? null,
    agent: request.headers['user-agent'] ?? null,
    limitCounted: (request as MarkedRequest)[LOGIN_LIMIT_COUNTED] === true,
  };
}

/** Records that a login route counted `request`, so that its password check does not count it again. */
export function markLoginLimitCounted(request: FastifyRequest): void {
  (request as MarkedRequest)[LOGIN_LIMIT_COUNTED] = true;
}
