import type { paths } from '../client/gatehouse-api.js';
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

/** What `POST /api/users` takes besides the username and password. */
export type Profile = Omit<
  paths['/api/users']['post']['requestBody']['content']['application/json'],
  'username' | 'password'
>;

/**
 * Registers a user through the REST-auth API, as `authorization` when registration is closed;
 * its id is read from the Location header.
 */
export async function registerUser(
  t: TestApp,
  username: string,
  password: string,
  profile: Profile = {},
  authorization?: string,
): Promise<TestUser> {
  const { response } = await t.api.POST('/api/users', {
    body: { username, password, ...profile },
    headers: authorization ? { Authorization: authorization } : {},
  });
  expect(response.status).toBe(201);
  const location = response.headers.get('location') ?? '';
  expect(location).toMatch(/^\/api\/users\/[1-9][0-9]*$/);
  return { username, password, id: Number(location.split('/').pop()) };
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
