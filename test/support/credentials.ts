import type { Test } from 'supertest';
import { basic, type TestApp } from './app.js';

/**
 * Signing in through each of the APIs, and asking the two hot-path checks whether a credential is
 * still live: what the administration and self-service tests sign in with and look at.
 */

export interface Credentials {
  username: string;
  password: string;
}

export interface LiveSessionCredential {
  sid: string;
  secret: string;
}

export const SESSION_COOKIE = 'GCN_SESSION_SECRET';

/** An access JWT from the JWT API (`POST /v1/auth`). */
export async function accessTokenFor(t: TestApp, user: Credentials): Promise<string> {
  const { data, response } = await t.api.POST('/v1/auth', {
    body: { username: user.username, password: user.password },
  });
  expect(response.status).toBe(200);
  return data!.access_token;
}

/** An access JWT from the Security API (`POST /api/v1/security/authentication`). */
export async function securityTokenFor(t: TestApp, user: Credentials): Promise<string> {
  const { data, response } = await t.api.POST('/api/v1/security/authentication', {
    body: { username: user.username, password: user.password },
  });
  expect(response.status).toBe(200);
  return data!.token;
}

/** An access token from the REST-auth API (`GET /api/token` with Basic). */
export async function restTokenFor(t: TestApp, user: Credentials): Promise<string> {
  const { data, response } = await t.api.GET('/api/token', {
    headers: { Authorization: basic(user.username, user.password) },
  });
  expect(response.status).toBe(200);
  return data!.token;
}

/** A user token from the user-token API (`POST /auth/login` with Basic). */
export async function userTokenFor(
  t: TestApp,
  user: Credentials,
  note?: string,
  expirationTime?: string,
): Promise<string> {
  const { data, response } = await t.api.POST('/auth/login', {
    headers: { Authorization: basic(user.username, user.password) },
    body: { note, expirationTime },
  });
  expect(response.status).toBe(200);
  expect(data).toHaveProperty('token');
  return (data as { token: string }).token;
}

/** The session secret a session login's Set-Cookie carries. */
export function sessionSecretOf(setCookie: string[] | string | null | undefined): string {
  const secret = ([] as string[])
    .concat(setCookie ?? [])
    .flatMap((header) => header.split(/,\s*(?=[^;=]+=)/))
    .map((cookie) => new RegExp(`^${SESSION_COOKIE}=([0-9a-f]{64})`).exec(cookie)?.[1])
    .find(Boolean);
  expect(secret).toBeDefined();
  return secret!;
}

/** A session from the session API (`POST /auth/login` with a JSON form). */
export async function sessionFor(t: TestApp, user: Credentials): Promise<LiveSessionCredential> {
  const { data, response } = await t.api.POST('/auth/login', {
    body: { login: user.username, password: user.password },
  });
  expect(response.status).toBe(201);
  expect(data).toHaveProperty('sid');
  const secret = sessionSecretOf(response.headers.getSetCookie());
  return { sid: String((data as { sid: string }).sid), secret };
}

/** Authenticates `req` by a session: the sid in X-Session-Id, the secret in the cookie. */
export function withSession(req: Test, session: LiveSessionCredential): Test {
  return req.set('X-Session-Id', session.sid).set('Cookie', `${SESSION_COOKIE}=${session.secret}`);
}

/** The Security API's verdict on a token: `valid`, `invalid`, … */
export async function tokenStatus(t: TestApp, token: string, service = 'orders'): Promise<string> {
  const { data, response } = await t.api.POST('/api/v1/security/token', {
    body: { token, service },
  });
  expect(response.status).toBe(200);
  return data!.tokenStatus;
}

/** Whether the session API's validate still knows the session. */
export async function sessionIsLive(t: TestApp, session: LiveSessionCredential): Promise<boolean> {
  const { response } = await t.api.GET('/auth/validate/{sid}', {
    params: { path: { sid: `${session.sid}${session.secret}` } },
  });
  return response.status === 200;
}

/** One credential of each kind a user can hold besides the password. */
export interface EveryCredential {
  jwt: string;
  userToken: string;
  restToken: string;
  session: LiveSessionCredential;
}

/** `user` signed in every way: what an action that ends credentials must end. */
export async function everyCredentialOf(t: TestApp, user: Credentials): Promise<EveryCredential> {
  return {
    jwt: await accessTokenFor(t, user),
    userToken: await userTokenFor(t, user),
    restToken: await restTokenFor(t, user),
    session: await sessionFor(t, user),
  };
}

/** Whether each of `credentials` is still live, by the checks other services make. */
export async function stillLive(t: TestApp, credentials: EveryCredential) {
  return {
    jwt: (await tokenStatus(t, credentials.jwt)) === 'valid',
    userToken: (await tokenStatus(t, credentials.userToken)) === 'valid',
    restToken: (await tokenStatus(t, credentials.restToken)) === 'valid',
    session: await sessionIsLive(t, credentials.session),
  };
}

/** A second factor as self-service turns it on: the key it showed, and the recovery codes. */
export interface EnrolledTotp {
  secret: string;
  recoveryCodes: string[];
}

/**
 * Turns `user`'s second factor on through self-service (`POST /api/me/totp`, then `/confirm`),
 * the first code made by `codeFor` from the key shown, as an authenticator app makes it (otplib
 * in the tests, never the server's own code). `headers` go with each of its requests, such as an
 * X-Forwarded-For that keeps its logins off another test's address.
 */
export async function enrolTotp(
  t: TestApp,
  user: Credentials,
  codeFor: (secret: string) => string,
  headers: Record<string, string> = {},
): Promise<EnrolledTotp> {
  const login = await t
    .http()
    .post('/v1/auth')
    .set(headers)
    .send({ username: user.username, password: user.password });
  expect(login.status).toBe(200);
  const authorization = `Bearer ${login.body.access_token as string}`;
  const start = await t
    .http()
    .post('/api/me/totp')
    .set(headers)
    .set('Authorization', authorization)
    .send({ password: user.password });
  expect(start.status).toBe(200);
  const secret = start.body.secret as string;
  const confirm = await t
    .http()
    .post('/api/me/totp/confirm')
    .set(headers)
    .set('Authorization', authorization)
    .send({ code: codeFor(secret) });
  expect(confirm.status).toBe(200);
  return { secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}
