import { SetMetadata } from '@nestjs/common';

/** The credentials a route takes, as the requests of its API carry them. */
export type CredentialKind =
  /** A username and password: Basic, or the fields of a login body. */
  | 'password'
  /** An access JWT as the Basic username (REST-auth). */
  | 'token-as-username'
  | 'access-jwt'
  | 'user-token'
  /** A sid and the secret of its cookie (or, on validate, its path). */
  | 'session'
  /** A service client's Basic credentials (introspection, revocation). */
  | 'service-client'
  /** An RSA signature over the user's name, a salt and an expiry (`loginwithrsa`). */
  | 'rsa-signature'
  /** The user a trusted SSO proxy names in its header. */
  | 'sso-header';

/**
 * Who may call a route once its credential is checked: `anyone` (the route answers for itself,
 * or proves nothing), `signed-in` (an enabled user), `admin`, `registration` (anyone while
 * registration is open, else an admin), `service-client`, `service-client-or-token` (a client,
 * or the token being revoked as its own credential), `proxy-rules` (the forwarded request's
 * credential, judged by the rules the proxy sets).
 */
export type AccessRule =
  | 'anyone'
  | 'signed-in'
  | 'admin'
  | 'registration'
  | 'service-client'
  | 'service-client-or-token'
  | 'proxy-rules';

/** A route's declaration: the credentials it takes and who may call it. */
export interface RouteAccess {
  accepts: readonly CredentialKind[];
  rule: AccessRule;
}

export const ROUTE_ACCESS = 'gatehouse:route-access';

/**
 * States a route's (or a controller's) access. Every route states one: the app does not start
 * while a route does not (DeclaredAccessCheck), so that a route added without thought is never
 * served.
 */
export const Access = (access: RouteAccess) => SetMetadata(ROUTE_ACCESS, access);

/** A route anyone may call with no credential: discovery, keys, health, metrics, lookups. */
export const Public = () => Access({ accepts: [], rule: 'anyone' });
