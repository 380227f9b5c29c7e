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
  const res = await t
    .http()
    .post('/v1/auth')
    .send({ username: user.username, password: user.password });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

/** A user token from the user-token API (`POST /auth/login` with Basic). */
export async function userTokenFor(t: TestApp, user: Credentials, note?: string): Promise<string> {
  const res = await t
    .http()
    .post('/auth/login')
    .set('Authorization', basic(user.username, user.password))
    .send(note === undefined ? {} : { note });
  expect(res.status).toBe(200);
  return res.body.token as string;
}

/** A session from the session API (`POST /auth/login` with a JSON form). */
export async function sessionFor(t: TestApp, user: Credentials): Promise<LiveSessionCredential> {
  const res = await t
    .http()
    .post('/auth/login')
    .send({ login: user.username, password: user.password });
  expect(res.status).toBe(201);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const secret = cookies
    .map((cookie) => new RegExp(`^${SESSION_COOKIE}=([0-9a-f]{64})`).exec(cookie)?.[1])
    .find(Boolean);
  expect(secret).toBeDefined();
  return { sid: String(res.body.sid), secret: secret! };
}

/** Authenticates `req` by a session: the sid in X-Session-Id, the secret in the cookie. */
export function withSession(req: Test, session: LiveSessionCredential): Test {
  return req.set('X-Session-Id', session.sid).set('Cookie', `${SESSION_COOKIE}=${session.secret}`);
}

/** The Security API's verdict on a token: `valid`, `invalid`, … */
export async function tokenStatus(t: TestApp, token: string): Promise<string> {
  const res = await t.http().post('/api/v1/security/token').send({ token, service: 'orders' });
  expect(res.status).toBe(200);
  return res.body.tokenStatus as string;
}

/** Whether the session API's validate still knows the session. */
export async function sessionIsLive(t: TestApp, session: LiveSessionCredential): Promise<boolean> {
  const res = await t.http().get(`/auth/validate/${session.sid}${session.secret}`);
  return res.status === 200;
}
