import type { TestApp } from './app.js';

let sequence = 0;

/** A username no other test of this file uses. */
export function uniqueName(prefix = 'user'): string {
  sequence += 1;
  return `${prefix}-${sequence}`;
}

/** Runs SQL written with PostgreSQL's `$1` placeholders on either database. */
export function sql(
  t: TestApp,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const query = t.db.options.type === 'postgres' ? text : text.replace(/\$\d+/g, '?');
  return t.db.query(query, params);
}

export interface TestUser {
  username: string;
  password: string;
  id: number;
}

/** Registers a user through the REST-auth API; its id is read from the Location header. */
export async function registerUser(
  t: TestApp,
  username: string,
  password: string,
  profile: Record<string, string> = {},
): Promise<TestUser> {
  const res = await t
    .http()
    .post('/api/users')
    .send({ username, password, ...profile });
  expect(res.status).toBe(201);
  return { username, password, id: Number((res.headers.location as string).split('/').pop()) };
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: string;
}

/** A JWT's parts, read without verifying anything. */
export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature] = token.split('.');
  const part = (value: string) =>
    JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    header: part(header),
    payload: part(payload),
    signingInput: `${header}.${payload}`,
    signature,
  };
}
