import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { BenchStore } from './bench-store.js';
import { headerMatches, type BenchRequest, type ExpectedHeader } from './load.js';
import { generateSync } from 'otplib';
import type { BenchPopulation } from './seed.js';

export interface Scenario {
  name: string;
  /** check-jwt and check-lookup have a target against their limit; check-other is reported. */
  kind: 'check-jwt' | 'check-lookup' | 'check-other' | 'login';
  requests: BenchRequest[];
  expectBody?: string;
  expectBodyStart?: string;
  /** The status a client expects; unset, any 2xx. */
  expectStatus?: number;
  /** A header a client relies on in every answer. */
  expectHeader?: ExpectedHeader;
}

export interface Scenarios {
  bareJwtCheck: BenchRequest[];
  checks: Scenario[];
  logins: Scenario[];
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const VALID = JSON.stringify({ tokenStatus: 'valid' });
const ACTIVE = '{"active":true';
const SESSION_COOKIE = 'GCN_SESSION_SECRET';

interface ClaimTemplate {
  kid: string;
  iss: string;
  scope: string;
  sub_type: string;
  ttl: number;
}

/**
 * Access JWTs for the seeded users, signed with the server's own key and shaped like the one it
 * issued at a real login (issuing each over HTTP would cost a bcrypt apiece).
 */
export class TokenMinter {
  private constructor(
    private readonly key: KeyObject,
    private readonly template: ClaimTemplate,
  ) {}

  static async fromServer(
    store: BenchStore,
    baseUrl: string,
    population: BenchPopulation,
  ): Promise<TokenMinter> {
    const response = await fetch(`${baseUrl}/v1/auth`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username: population.username(1), password: population.password }),
    });
    if (!response.ok) throw new Error(`POST /v1/auth answered ${response.status}`);
    const issued = ((await response.json()) as { access_token: string }).access_token;
    const [header, payload] = issued.split('.').slice(0, 2).map(decodeSegment);
    const row = await store.queryOne<{ privateKeyPem: string } | undefined>(
      `SELECT "privateKeyPem" FROM signing_key WHERE kid = '${String(header.kid).replace(/'/g, '')}'`,
    );
    const pem = row?.privateKeyPem ?? process.env.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n');
    if (!pem) throw new Error('the signing key is neither in the database nor in JWT_PRIVATE_KEY');
    return new TokenMinter(createPrivateKey(pem), {
      kid: String(header.kid),
      iss: String(payload.iss),
      scope: String(payload.scope),
      sub_type: String(payload.sub_type),
      ttl: Number(payload.exp) - Number(payload.iat),
    });
  }

  accessToken(userId: number): string {
    const iat = Math.floor(Date.now() / 1000);
    const { kid, iss, scope, sub_type, ttl } = this.template;
    const header = encodeSegment({ alg: 'RS256', typ: 'JWT', kid });
    const payload = encodeSegment({
      sub: String(userId),
      sub_type,
      scope,
      iat,
      exp: iat + ttl,
      iss,
      jti: randomUUID(),
    });
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), this.key);
    return `${header}.${payload}.${signature.toString('base64url')}`;
  }
}

function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>;
}

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The requests of every figure, for the users `ids` (each used in turn). */
export function scenarios(
  population: BenchPopulation,
  minter: TokenMinter,
  ids: number[],
): Scenarios {
  const jwts = ids.map((id) => minter.accessToken(id));
  const tokenCheck = (token: string): BenchRequest => ({
    method: 'POST',
    path: '/api/v1/security/token',
    headers: JSON_HEADERS,
    body: JSON.stringify({ token, service: 'bench' }),
  });
  // As nginx's auth_request asks: the original request's headers, no body.
  const forward = (headers: Record<string, string>): BenchRequest => ({
    method: 'GET',
    path: '/auth/forward',
    headers,
  });
  const basic = (username: string, password: string) =>
    `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  // As an RFC 7662 client asks: a form body, the service client's credentials as Basic.
  const introspect = (token: string): BenchRequest => ({
    method: 'POST',
    path: '/oauth2/introspect',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basic(population.serviceClient.clientId, population.serviceClient.secret),
    },
    body: new URLSearchParams({ token }).toString(),
  });
  const credentials = ids.map((id) => ({
    username: population.username(id),
    password: population.password,
  }));
  return {
    bareJwtCheck: jwts.map((jwt) => ({ ...tokenCheck(jwt), path: '/' })),
    checks: [
      {
        name: 'token check, access JWT',
        kind: 'check-jwt',
        requests: jwts.map(tokenCheck),
        expectBody: VALID,
      },
      {
        name: 'token check, user token',
        kind: 'check-lookup',
        requests: ids.map((id) => tokenCheck(population.userToken(id))),
        expectBody: VALID,
      },
      {
        name: 'session validate',
        kind: 'check-lookup',
        requests: ids.map((id) => ({
          method: 'GET',
          path: `/auth/validate/${population.sessionId(id)}${population.sessionSecret(id)}`,
        })),
      },
      {
        name: 'forward auth, access JWT',
        kind: 'check-jwt',
        requests: jwts.map((jwt) => forward({ authorization: `Bearer ${jwt}` })),
      },
      {
        name: 'forward auth, user token',
        kind: 'check-lookup',
        requests: ids.map((id) => forward({ authorization: `Bearer ${population.userToken(id)}` })),
      },
      {
        name: 'forward auth, session',
        kind: 'check-lookup',
        requests: ids.map((id) =>
          forward({
            cookie: `${SESSION_COOKIE}=${population.sessionSecret(id)}`,
            'x-session-id': String(population.sessionId(id)),
          }),
        ),
      },
      {
        name: 'introspection, access JWT',
        kind: 'check-jwt',
        requests: jwts.map(introspect),
        expectBodyStart: ACTIVE,
      },
      {
        name: 'GET /api/resource, token as username',
        kind: 'check-other',
        requests: jwts.map((jwt) => ({
          method: 'GET',
          path: '/api/resource',
          headers: { authorization: basic(jwt, 'unused') },
        })),
      },
      {
        name: 'GET /api/v1/security/privilegeToken',
        kind: 'check-other',
        requests: jwts.map((jwt) => ({
          method: 'GET',
          path: '/api/v1/security/privilegeToken',
          headers: { authorization: `Bearer ${jwt}` },
        })),
      },
    ],
    logins: [
      {
        name: 'login, POST /v1/auth',
        kind: 'login',
        requests: credentials.map((login) => ({
          method: 'POST',
          path: '/v1/auth',
          headers: JSON_HEADERS,
          body: JSON.stringify(login),
        })),
      },
      {
        name: 'login, POST /auth/login (Basic, user token)',
        kind: 'login',
        requests: credentials.map(({ username, password }) => ({
          method: 'POST',
          path: '/auth/login',
          headers: { authorization: basic(username, password), accept: 'application/json' },
        })),
      },
      {
        name: 'login, POST /auth/login (JSON, session)',
        kind: 'login',
        requests: credentials.map(({ username, password }) => ({
          method: 'POST',
          path: '/auth/login',
          headers: JSON_HEADERS,
          body: JSON.stringify({ login: username, password }),
        })),
      },
    ],
  };
}

/**
 * The JWT API's login of users with a TOTP second factor on, each request carrying the code an
 * authenticator app shows at that moment (computed by otplib). The users take turns across every
 * run of the figure, so that no user logs in twice within a 30-second step (a code is taken once).
 */
export function secondFactorLogin(population: BenchPopulation, ids: number[]): Scenario {
  let next = 0;
  return {
    name: 'login, POST /v1/auth with a TOTP code',
    kind: 'login',
    requests: [
      {
        method: 'POST',
        path: '/v1/auth',
        headers: JSON_HEADERS,
        renderBody: () => {
          const id = ids[next++ % ids.length];
          const otp = generateSync({
            secret: population.totpSecret(id),
            epoch: Math.floor(Date.now() / 1000),
          });
          return JSON.stringify({
            username: population.username(id),
            password: population.password,
            otp,
          });
        },
      },
    ],
  };
}

/** Refuses to measure a scenario whose first requests do not succeed as a real client expects. */
export async function assertAnswered(baseUrl: string, scenario: Scenario): Promise<void> {
  for (const request of scenario.requests.slice(0, 3)) {
    const init = {
      method: request.method,
      headers: request.headers,
      body: request.renderBody?.() ?? request.body,
      // A redirect is the answer a browser acts on (a sign-in's 303), not one to follow here.
      redirect: 'manual' as const,
    };
    // After a long seeding, a kept-alive connection may be closed by the server as it is reused.
    const response = await fetch(`${baseUrl}${request.path}`, init).catch(() =>
      fetch(`${baseUrl}${request.path}`, init),
    );
    const body = await response.text();
    const wrongBody =
      (scenario.expectBody !== undefined && body !== scenario.expectBody) ||
      (scenario.expectBodyStart !== undefined && !body.startsWith(scenario.expectBodyStart));
    const wrongStatus =
      scenario.expectStatus === undefined
        ? !response.ok
        : response.status !== scenario.expectStatus;
    const { expectHeader } = scenario;
    const header =
      expectHeader?.name === 'set-cookie'
        ? response.headers.getSetCookie()
        : expectHeader && response.headers.get(expectHeader.name);
    const wrongHeader = expectHeader !== undefined && !headerMatches(expectHeader, header);
    if (wrongStatus || wrongBody || wrongHeader) {
      const shown = expectHeader ? ` (${expectHeader.name}: ${String(header)})` : '';
      throw new Error(
        `${scenario.name}: ${request.method} ${request.path} answered ${response.status}${shown} ${body}`,
      );
    }
  }
}
