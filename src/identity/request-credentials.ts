import type { FastifyRequest } from 'fastify';
import { INT32_MAX } from '../common/validation/positive-int.pipe.js';
import { hasJwtShape, looksLikeJwt } from '../credentials/access-tokens/jwt-shape.js';

/**
 * The one place a request's credentials are read: each kind, from where the APIs carry it.
 * Everything here only parses; the services of each kind decide whether a credential is live.
 */

type Headers = Pick<FastifyRequest, 'headers'>;

/** Longer than any token Gatehouse issues; anything longer is refused without parsing. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * A credential as a request presented it, parsed once: a token's kind is told from its shape,
 * and a session comes as its sid and secret, however the request carried them.
 */
export type PresentedCredential =
  | { kind: 'access-jwt' | 'user-token'; token: string }
  | { kind: 'session'; session: SessionCredential }
  | { kind: 'other' };

/**
 * The one credential of a request a proxy forwards, in the order forward authentication takes
 * them: an Authorization header is the credential when present (Basic with the code of X-OTP, or
 * a Bearer token; anything else is none, and a cookie does not make up for it), else the sign-in
 * portal's cookie when the request carries one (a bad or dead one is not made up for by the
 * session API's cookie either), else the session API's cookie with the sid the request names.
 */
export type ForwardedCredential =
  | { kind: 'basic'; credentials: BasicCredentials; secondFactor: BasicSecondFactor }
  | { kind: 'bearer'; token: string }
  | { kind: 'session'; session: SessionCredential }
  | { kind: 'none' };

/** A second-factor code where the credentials are Basic, and where such a request sends one. */
export interface BasicSecondFactor {
  code: string | null;
  field: string;
}

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface SessionCredential {
  sid: number;
  secret: string;
}

/** The header that names the sid when the session secret comes in the cookie. */
export const SESSION_ID_HEADER = 'x-session-id';

/** Where proxies put the request they ask about: nginx, then Traefik and Caddy. */
const ORIGINAL_URI_HEADERS = ['x-original-uri', 'x-forwarded-uri'];

const BASIC = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const SID = /^[1-9][0-9]{0,9}$/;
const SID_WITH_SECRET = /^([1-9][0-9]{0,9})([0-9a-f]{64})$/;
const SECRET = /^[0-9a-f]{64}$/;

/** The header that carries a second-factor code where the credentials are Basic. */
export const SECOND_FACTOR_CODE_HEADER = 'x-otp';

/**
 * The second-factor code of a request whose credentials are Basic, from `X-OTP` (null when it has
 * none; a repeated header is no code), and where such a request sends one.
 */
export function basicSecondFactor(request: Headers): BasicSecondFactor {
  const code = request.headers[SECOND_FACTOR_CODE_HEADER];
  return { code: typeof code === 'string' ? code : null, field: 'the X-OTP header' };
}

/** `Authorization: Basic …` as RFC 7617 reads it: UTF-8, split at the first colon only. */
export function basicCredentials(request: Headers): BasicCredentials | null {
  const encoded = BASIC.exec(request.headers.authorization ?? '')?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(request: Headers): string | null {
  return BEARER.exec(request.headers.authorization?.trim() ?? '')?.[1] ?? null;
}

/**
 * An access JWT from `Authorization: Bearer <jwt>`, or the bare `Authorization: <jwt>` the
 * Security API's document shows.
 */
export function accessJwtFromAuthorization(request: Headers): string | null {
  const value = request.headers.authorization?.trim() ?? '';
  const token = bearerToken(request) ?? value;
  return hasJwtShape(token) ? token : null;
}

/** A bare sid: a positive 32-bit decimal number, nothing after it. */
export function parseSid(value: unknown): number | null {
  if (typeof value !== 'string' || !SID.test(value)) return null;
  const sid = Number(value);
  return sid <= INT32_MAX ? sid : null;
}

/**
 * A session from a bare sid and the session cookie's secret: how every route but validate takes
 * one, so that the secret never travels in a URL or another header.
 */
export function sessionFromCookie(
  sidValue: unknown,
  cookieSecret: string | undefined,
): SessionCredential | null {
  const sid = parseSid(sidValue);
  return sid !== null && cookieSecret !== undefined && SECRET.test(cookieSecret)
    ? { sid, secret: cookieSecret }
    : null;
}

/**
 * A session as `GET /auth/validate/{sid}` takes it (its document's shape): the secret right
 * after the sid (the last 64 characters), or the bare sid with the secret in the cookie.
 */
export function sessionFromValidatePath(
  sidValue: unknown,
  cookieSecret: string | undefined,
): SessionCredential | null {
  if (typeof sidValue === 'string' && SID_WITH_SECRET.test(sidValue))
    return sessionFromSidWithSecret(sidValue);
  return sessionFromCookie(sidValue, cookieSecret);
}

/**
 * A session given as one value, the sid followed directly by its 64-hex secret: how validate's
 * path, the Security API's token check and token introspection take it (in a body or a path the
 * session API defines, never another header).
 */
export function sessionFromSidWithSecret(value: string): SessionCredential | null {
  const match = SID_WITH_SECRET.exec(value);
  const sid = match ? parseSid(match[1]) : null;
  return match && sid !== null ? { sid, secret: match[2] } : null;
}

/**
 * A browser's session from the sign-in portal's cookie `cookieName` (BROWSER_COOKIE_NAME), which
 * holds the sid followed directly by its secret: one cookie, so that a browser needs nothing else.
 */
export function browserSession(
  request: Pick<FastifyRequest, 'cookies'>,
  cookieName: string,
): SessionCredential | null {
  const value = request.cookies[cookieName];
  return value === undefined ? null : sessionFromSidWithSecret(value);
}

/** The sid a self-service or admin request names for its session: `X-Session-Id`, or `?sid=`. */
export function sessionIdOf(request: FastifyRequest): unknown {
  const header = request.headers[SESSION_ID_HEADER];
  return typeof header === 'string'
    ? header
    : (request.query as { sid?: unknown } | undefined)?.sid;
}

/** The cookies a forwarded request may carry a session in. */
export interface ForwardedCookies {
  /** The sign-in portal's cookie: the sid followed directly by its secret. */
  browser: string | undefined;
  /** The session API's cookie: the secret alone, the sid named elsewhere. */
  sessionSecret: string | undefined;
}

/**
 * The credential of a forwarded request (see ForwardedCredential). The portal's cookie is a whole
 * session in itself. With the session API's cookie, the session's bare sid is `X-Session-Id`,
 * else the `sid` of the original URI as the proxy names it, else, with `ownQuerySid` (on
 * `/auth/forward/*`, where Envoy appends the original path and query), the request's own.
 */
export function forwardedCredential(
  request: Pick<FastifyRequest, 'headers' | 'query'>,
  ownQuerySid: boolean,
  cookies: ForwardedCookies,
): ForwardedCredential {
  if (request.headers.authorization !== undefined) {
    const credentials = basicCredentials(request);
    if (credentials) {
      return { kind: 'basic', credentials, secondFactor: basicSecondFactor(request) };
    }
    const token = bearerToken(request);
    return token === null ? { kind: 'none' } : { kind: 'bearer', token };
  }
  const session =
    cookies.browser !== undefined
      ? sessionFromSidWithSecret(cookies.browser)
      : sessionFromCookie(forwardedSid(request, ownQuerySid), cookies.sessionSecret);
  return session ? { kind: 'session', session } : { kind: 'none' };
}

function forwardedSid(
  request: Pick<FastifyRequest, 'headers' | 'query'>,
  ownQuery: boolean,
): unknown {
  const header = request.headers[SESSION_ID_HEADER];
  if (typeof header === 'string') return header;
  for (const name of ORIGINAL_URI_HEADERS) {
    const uri = request.headers[name];
    if (typeof uri === 'string') return sidOfUri(uri);
  }
  return ownQuery ? (request.query as { sid?: unknown }).sid : null;
}

function sidOfUri(uri: string): string | null {
  const query = uri.indexOf('?');
  if (query < 0) return null;
  return new URLSearchParams(uri.slice(query + 1)).get('sid');
}

/**
 * A token as the Security API and introspection take it: an access JWT, a session's sid followed
 * by its secret, or a user token.
 */
export function presentedToken(token: string): PresentedCredential {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return { kind: 'other' };
  if (looksLikeJwt(token)) return { kind: 'access-jwt', token };
  const session = sessionFromSidWithSecret(token);
  return session ? { kind: 'session', session } : { kind: 'user-token', token };
}

/**
 * The credential an administration or self-service request presents. One that carries an
 * Authorization header is judged by it alone (a bad token is not rescued by a cookie): a Bearer
 * access JWT or user token. Otherwise a session, its bare sid in X-Session-Id or `?sid=` and its
 * secret `cookieSecret`, the session cookie's, never elsewhere (URLs and other headers end up in
 * logs).
 */
export function callerCredential(
  request: FastifyRequest,
  cookieSecret: string | undefined,
): PresentedCredential {
  if (request.headers.authorization !== undefined) {
    const token = bearerToken(request);
    if (!token) return { kind: 'other' };
    return { kind: looksLikeJwt(token) ? 'access-jwt' : 'user-token', token };
  }
  const session = sessionFromCookie(sessionIdOf(request), cookieSecret);
  return session ? { kind: 'session', session } : { kind: 'other' };
}
