import { hasBasicAuthorization } from '../../identity/request-credentials.js';
import { defaultDialect } from './default.dialect.js';
import type { ErrorDialect } from './error-dialect.js';
import { jwtDialect } from './jwt.dialect.js';
import { restAuthDialect } from './rest-auth.dialect.js';
import { securityDialect } from './security.dialect.js';
import { sessionDialect } from './session.dialect.js';
import { userTokenDialect } from './user-token.dialect.js';

/** The shared `POST /auth/login`: the dialect of whichever API the request is for. */
const loginDialect: ErrorDialect = {
  reply: (error, request) =>
    (hasBasicAuthorization(request) ? userTokenDialect : sessionDialect).reply(error, request),
};

/** Every API's error dialect by name; a route names its own with @Dialect(). */
export const dialects = {
  default: defaultDialect,
  'rest-auth': restAuthDialect,
  'user-token': userTokenDialect,
  jwt: jwtDialect,
  security: securityDialect,
  session: sessionDialect,
  login: loginDialect,
} satisfies Record<string, ErrorDialect>;

export type DialectName = keyof typeof dialects;
