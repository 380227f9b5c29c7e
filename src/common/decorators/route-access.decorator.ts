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
  /** A service client's own token (Bearer, RFC 9068, scope `ssf`): the Shared Signals routes. */
  | 'client-token'
  /** An RSA signature over the user's name, a salt and an expiry (`loginwithrsa`). */
  | 'rsa-signature'
  /** The user a trusted SSO proxy names in its header. */
  | 'sso-header'
  /** A passkey's assertion (WebAuthn) in the body, answering a sign-in challenge. */
  | 'passkey';

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

/**
 * The Passport strategy that reads and checks a route's credential, where the route's API names
 * a scheme of its own: `jwt` (the Security API's access JWT), `user-token` (Bearer),
 * `basic-or-token` (REST-auth: a password, or an access JWT as the username).
 */
export type CredentialStrategy = 'jwt' | 'user-token' | 'basic-or-token';

/** Why a session API route has no live session: see SessionAccess. */
export type SessionMiss = 'invalid-sid' | 'no-secret' | 'not-live';

/**
 * A session API route's session: where its sid is read (`path-or-query`: the path's or the
 * query's bare sid with the cookie's secret; `validate-path`: also the sid followed by its secret
 * in the path), and the route's own answer to each way a request can come without a live one: its
 * sid is not one, the secret is missing or not one, or the credential names no live session.
 */
export interface SessionAccess {
  source: 'path-or-query' | 'validate-path';
  misses: Readonly<Record<SessionMiss, () => Error>>;
}

/**
 * What a route checks before it reads a credential, in order: that the client takes JSON (406),
 * or a per-address limit it counts against (429), so that a client over its limit costs no
 * credential check and one that takes no JSON is told so whatever it carries.
 */
export type BeforeCredential = 'accepts-json' | 'password-ops-limit';

/**
 * A route's declaration: the credentials it takes and who may call it, and what the app's one
 * access guard needs besides to check it as the route's API does.
 */
export interface RouteAccess {
  accepts: readonly CredentialKind[];
  rule: AccessRule;
  strategy?: CredentialStrategy;
  session?: SessionAccess;
  before?: readonly BeforeCredential[];
  /**
   * The route checks its credential itself, after its own limit: a credential change that proves
   * the password as a login does. (A route that `anyone` may call checks whatever it takes itself.)
   */
  checkedByRoute?: true;
  /**
   * The answer to a request without a live credential, where the route's API words it in a way
   * its dialect cannot (OAuth 2.0's invalid_client); otherwise the API's own 401.
   */
  refused?: () => Error;
}

export const ROUTE_ACCESS = 'gatehouse:route-access';

/**
 * Whether a route lets every request through to itself: anyone may call it, the route checks
 * whatever credential it takes (the logins, forward authentication, a credential change proved by
 * password), so no guard reads a credential before it.
 */
export function isOpen(access: RouteAccess): boolean {
  return (
    access.rule === 'anyone' || access.rule === 'proxy-rules' || access.checkedByRoute === true
  );
}

/**
 * A route anyone may call with no credential: discovery, keys, health, metrics, lookups. A route
 * that takes a credential declares it with identity's `@Access`, which also puts the access guard
 * on it.
 */
export const Public = () =>
  SetMetadata(ROUTE_ACCESS, { accepts: [], rule: 'anyone' } satisfies RouteAccess);
