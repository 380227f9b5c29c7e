import { defaultDialect } from './default.dialect.js';
import type { ErrorDialect } from './error-dialect.js';
import { jwtDialect } from './jwt.dialect.js';
import { restAuthDialect } from './rest-auth.dialect.js';
import { securityDialect } from './security.dialect.js';
import { userTokenDialect } from './user-token.dialect.js';

/** Every API's error dialect by name; a route names its own with @Dialect(). */
export const dialects = {
  default: defaultDialect,
  'rest-auth': restAuthDialect,
  'user-token': userTokenDialect,
  jwt: jwtDialect,
  security: securityDialect,
} satisfies Record<string, ErrorDialect>;

export type DialectName = keyof typeof dialects;
