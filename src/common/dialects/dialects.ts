import { HttpStatus } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { GatehouseRouteConfig } from '../decorators/dialect.decorator.js';
import { defaultDialect } from './default.dialect.js';
import type { ErrorDialect } from './error-dialect.js';
import { jwtDialect } from './jwt.dialect.js';
import { restAuthDialect } from './rest-auth.dialect.js';
import { securityDialect } from './security.dialect.js';
import { sessionDialect } from './session.dialect.js';
import { ssfDialect } from './ssf.dialect.js';
import { userTokenDialect } from './user-token.dialect.js';
import { hasBasicAuthorization } from '../basic-authorization.js';

/** The shared `POST /auth/login`: the dialect of whichever API the request is for. */
const loginDialect: ErrorDialect = {
  reply: (error, request, nowMs) => loginFormDialect(request).reply(error, request, nowMs),
};

function loginFormDialect(request: FastifyRequest): ErrorDialect {
  return hasBasicAuthorization(request) ? userTokenDialect : sessionDialect;
}

/** Every API's error dialect by name; a route names its own with @Dialect(). */
export const dialects = {
  default: defaultDialect,
  'rest-auth': restAuthDialect,
  'user-token': userTokenDialect,
  jwt: jwtDialect,
  security: securityDialect,
  session: sessionDialect,
  login: loginDialect,
  ssf: ssfDialect,
} satisfies Record<string, ErrorDialect>;

export type DialectName = keyof typeof dialects;

/** The dialect `request` is answered in: its route's, and at the shared login, its form's. */
export function dialectOf(request: FastifyRequest): ErrorDialect {
  const name = (request.routeOptions?.config as GatehouseRouteConfig | undefined)?.dialect;
  return name === 'login' ? loginFormDialect(request) : dialects[name ?? 'default'];
}

/** The status of `OPTIONS` on a path with a route of this Fastify route config: its API's. */
export function optionsStatusOf(routeConfig: unknown): number {
  const name = (routeConfig as GatehouseRouteConfig | undefined)?.dialect;
  return (name && dialects[name].optionsStatus) || HttpStatus.NO_CONTENT;
}
