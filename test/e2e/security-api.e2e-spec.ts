import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign as signBytes,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Response } from 'supertest';
import { AccessTokensService } from '../../src/credentials/access-tokens/access-tokens.service.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  decodeJwt as decode,
  registerUser as registerTestUser,
  sql,
  type TestUser,
  uniqueName,
} from '../support/fixtures.js';
import {
  accessTokenFor,
  restTokenFor,
  securityTokenFor,
  userTokenFor,
} from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The Security API: POST authentication issues an access
 * JWT, POST token tells another service whether a token is live (200 valid/invalid, never an
 * error for a bad token), GET privilegeToken answers the privilege of a JWT's user. Every access
 * JWT Gatehouse issues, from any endpoint, is accepted by every endpoint that checks one.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'sec-admin', password: 'admin-password-123' };
const DEFAULT_SCOPE_USER = 'profile:read profile:write';
// `cv`: the user's credential version, a claim of Gatehouse's own beside the document's.
const CLAIMS = ['cv', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub', 'sub_type'];

/** The key Gatehouse is configured with, so that this file can sign tokens of its own. */
const SUPPLIED_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const SUPPLIED_PEM = SUPPLIED_KEY.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = createPublicKey(SUPPLIED_KEY).export({ type: 'spki', format: 'pem' }).toString();
const OTHER_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

const registerUser = (t: TestApp, username = uniqueName('sec')) =>
  registerTestUser(t, username, PASSWORD);

async function disable(t: TestApp, user: TestUser): Promise<void> {
  await sql(t, 'UPDATE "user" SET enabled = false WHERE id = $1', [user.id]);
}

// ---- the three issuing endpoints -------------------------------------------------------------

const ISSUERS = [
  ['POST /v1/auth', accessTokenFor],
  ['POST /api/v1/security/authentication', securityTokenFor],
  ['GET /api/token', restTokenFor],
] as const;

// ---- the three checking endpoints ------------------------------------------------------------

/** POST /api/v1/security/token: always a 200 {tokenStatus} for a well-formed body. */
async function tokenStatus(t: TestApp, token: string, service = 'orders'): Promise<string> {
  const res = await t.http().post('/api/v1/security/token').send({ token, service });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['tokenStatus']);
  return res.body.tokenStatus as string;
}

function privilegeToken(t: TestApp, authorization?: string) {
  const req = t.http().get('/api/v1/security/privilegeToken');
  return authorization === undefined ? req : req.set('Authorization', authorization);
}

function resource(t: TestApp, token: string) {
  return t.http().get('/api/resource').set('Authorization', basic(token, 'x'));
}

function expectSecurityError(res: Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(['message', 'statusCode']);
  expect(res.body.statusCode).toBe(status);
  expect(typeof res.body.message).toBe('string');
  expect(res.body.message).not.toBe('');
  expect(res.text).not.toMatch(/\bat .+\.[jt]s:\d+/);
}

async function expectAcceptedEverywhere(
  t: TestApp,
  token: string,
  user: TestUser,
  privilege = 'user',
) {
  expect(await tokenStatus(t, token)).toBe('valid');
  for (const authorization of [token, `Bearer ${token}`]) {
    const res = await privilegeToken(t, authorization);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ privilege });
  }
  const res = await resource(t, token);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ data: `Hello, ${user.username}!` });
}

async function expectRefusedEverywhere(t: TestApp, token: string) {
  expect(await tokenStatus(t, token)).toBe('invalid');
  for (const authorization of [token, `Bearer ${token}`]) {
    expectSecurityError(await privilegeToken(t, authorization), 401);
  }
  const res = await resource(t, token);
  expect(res.status).toBe(401);
  expect(res.text).toBe('Unauthorized Access');
}

// ---- tokens made by hand ---------------------------------------------------------------------

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function unsigned(header: object, payload: object | string): string {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return `${b64url(JSON.stringify(header))}.${b64url(body)}`;
}

function signRsa(header: object, payload: object | string, key: KeyObject, hash = 'sha256') {
  const input = unsigned(header, payload);
  return `${input}.${signBytes(hash, Buffer.from(input), key).toString('base64url')}`;
}

function claimsFor(user: TestUser, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: String(user.id),
    sub_type: 'user',
    iss: 'gatehouse',
    iat: now - 60,
    exp: now + 3600,
    scope: DEFAULT_SCOPE_USER,
    jti: randomUUID(),
    ...overrides,
  };
}

function replacePart(token: string, index: number, value: string): string {
  const parts = token.split('.');
  parts[index] = value;
  return parts.join('.');
}

function flipFirstChar(value: string): string {
  return `${value[0] === 'A' ? 'B' : 'A'}${value.slice(1)}`;
}

describe('Security API', () => {
  let t: TestApp;
  let user: TestUser;
  /** A user whose credentials date from yesterday, so that hand-made tokens may have an older iat. */
  let crafted: TestUser;
  let adminId: number;
  let kid: string;

  /** A token signed with Gatehouse's own key, every claim right: the control for the crafted cases. */
  const goodToken = (overrides: Record<string, unknown> = {}) =>
    signRsa({ alg: 'RS256', typ: 'JWT', kid }, claimsFor(crafted, overrides), SUPPLIED_KEY);

  /** What is not a live Gatehouse token: `invalid` at the token check, a 401 at privilegeToken. */
  const invalid: [string, () => string | Promise<string>][] = [
    ['garbage', () => 'not-a-token'],
    ['an empty string', () => ''],
    ['a 10 kB string', () => 'x'.repeat(10_240)],
    ['a 10 kB JWT-shaped string', () => `eyJ${'a'.repeat(5_000)}.${'b'.repeat(5_000)}.c`],
    ['three dots of nothing', () => 'a.b.c'],
    ['a UUID that is no user token', () => randomUUID()],
    [
      'a JWT whose payload is not JSON',
      () => `${unsigned({ alg: 'RS256', typ: 'JWT', kid }, 'not json at all')}.c2lnbmF0dXJl`,
    ],
    [
      'a JWT whose header is not JSON',
      () => `${b64url('{"alg":')}.${b64url(JSON.stringify(claimsFor(crafted)))}.c2lnbmF0dXJl`,
    ],
    [
      'a tampered payload (another subject, admin)',
      () => {
        const token = goodToken();
        const payload = { ...decode(token).payload, sub: String(adminId), sub_type: 'admin' };
        return replacePart(token, 1, b64url(JSON.stringify(payload)));
      },
    ],
    [
      'a tampered signature',
      () => {
        const token = goodToken();
        return replacePart(token, 2, flipFirstChar(token.split('.')[2]));
      },
    ],
    [
      'alg none without a signature',
      () => `${unsigned({ alg: 'none', typ: 'JWT', kid }, claimsFor(crafted))}.`,
    ],
    [
      'alg none with a signature',
      () => replacePart(goodToken(), 0, b64url(JSON.stringify({ alg: 'none', typ: 'JWT', kid }))),
    ],
    [
      'HS256 signed with the public key PEM as the secret',
      () => {
        const input = unsigned({ alg: 'HS256', typ: 'JWT', kid }, claimsFor(crafted));
        return `${input}.${createHmac('sha256', PUBLIC_PEM).update(input).digest('base64url')}`;
      },
    ],
    [
      'RS512 signed with the configured key',
      () => signRsa({ alg: 'RS512', typ: 'JWT', kid }, claimsFor(crafted), SUPPLIED_KEY, 'sha512'),
    ],
    [
      'an unknown kid',
      () =>
        signRsa({ alg: 'RS256', typ: 'JWT', kid: 'no-such-key' }, claimsFor(crafted), SUPPLIED_KEY),
    ],
    [
      'another RSA key, with the real kid',
      () => signRsa({ alg: 'RS256', typ: 'JWT', kid }, claimsFor(crafted), OTHER_KEY),
    ],
    [
      'another RSA key, with its own kid',
      async () => {
        const otherKid = await calculateJwkThumbprint(
          createPublicKey(OTHER_KEY).export({ format: 'jwk' }) as JWK,
        );
        return signRsa({ alg: 'RS256', typ: 'JWT', kid: otherKid }, claimsFor(crafted), OTHER_KEY);
      },
    ],
    [
      'an expired token',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return goodToken({ iat: now - 7_200, exp: now - 3_600 });
      },
    ],
    ['a wrong issuer', () => goodToken({ iss: 'someone-else' })],
    ['a user that does not exist', () => goodToken({ sub: '987654' })],
  ];

  beforeAll(async () => {
    t = await startTestApp({
      JWT_PRIVATE_KEY: SUPPLIED_PEM.replace(/\n/g, '\\n'),
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    user = await registerUser(t, 'Sec-User');
    crafted = await registerUser(t, uniqueName('crafted'));
    await t.db
      .getRepository(User)
      .update({ id: crafted.id }, { credentialsChangedAt: new Date(Date.now() - 86_400_000) });
    adminId = Number(decode(await accessTokenFor(t, ADMIN)).payload.sub);
    const jwks = await t.http().get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const expectedN = SUPPLIED_KEY.export({ format: 'jwk' }).n;
    const supplied = (jwks.body.keys as JWK[]).find((key) => key.n === expectedN);
    expect(supplied?.kid).toEqual(expect.any(String));
    kid = supplied!.kid!;
  });
  afterAll(() => t.close());

  describe('POST /api/v1/security/authentication', () => {
    it('answers 200 with exactly {id: {userId, username}, token, privilege}', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await t
        .http()
        .post('/api/v1/security/authentication')
        .send({ username: 'sec-user', password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(['id', 'privilege', 'token']);
      expect(res.body.id).toEqual({ userId: user.id, username: 'Sec-User' });
      expect(res.body.privilege).toBe('user');
      expect(res.text).not.toContain(PASSWORD);
      expect(res.text).not.toMatch(/\$2[aby]\$/);

      const { header, payload } = decode(res.body.token as string);
      expect(header).toMatchObject({ alg: 'RS256', kid });
      expect(Object.keys(payload).sort()).toEqual(CLAIMS);
      expect(payload).toMatchObject({
        sub: String(user.id),
        sub_type: 'user',
        iss: 'gatehouse',
        scope: DEFAULT_SCOPE_USER,
      });
      expect(payload.iat).toBeGreaterThanOrEqual(before);
      expect(payload.exp).toBe((payload.iat as number) + 86_400);
    });

    it('answers privilege admin for the admin, with sub_type admin in the token', async () => {
      const res = await t.http().post('/api/v1/security/authentication').send(ADMIN);
      expect(res.status).toBe(200);
      expect(res.body.privilege).toBe('admin');
      expect(res.body.id).toEqual({ userId: adminId, username: ADMIN.username });
      expect(decode(res.body.token as string).payload.sub_type).toBe('admin');
    });

    it.each([
      ['an empty object', {}],
      ['no password', { username: 'Sec-User' }],
      ['no username', { password: PASSWORD }],
      ['a numeric username', { username: 42, password: PASSWORD }],
      ['an empty username', { username: '', password: PASSWORD }],
      ['an object password', { username: 'Sec-User', password: { $ne: '' } }],
    ])('answers 400 {statusCode, message} for %s', async (_name, body) => {
      const res = await t.http().post('/api/v1/security/authentication').send(body);
      expectSecurityError(res, 400);
    });

    it('answers 400 {statusCode, message} for no body and for a body that is not JSON', async () => {
      expectSecurityError(await t.http().post('/api/v1/security/authentication'), 400);
      const res = await t
        .http()
        .post('/api/v1/security/authentication')
        .set('Content-Type', 'application/json')
        .send('{"username": "Sec-User",');
      expectSecurityError(res, 400);
    });

    it('answers 401 {statusCode, message}, the same for a wrong password, an unknown or a disabled user', async () => {
      const disabled = await registerUser(t, uniqueName('disabled'));
      await disable(t, disabled);
      const answers = [];
      for (const body of [
        { username: user.username, password: 'not-the-password' },
        { username: 'nobody-here', password: PASSWORD },
        { username: disabled.username, password: PASSWORD },
      ]) {
        const res = await t.http().post('/api/v1/security/authentication').send(body);
        expectSecurityError(res, 401);
        expect(res.text).not.toContain('eyJ');
        answers.push(res.body);
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    });
  });

  describe('every issued token is accepted by every checking endpoint', () => {
    it.each(ISSUERS)('a token from %s', async (_name, issue) => {
      const token = await issue(t, user);
      expect(Object.keys(decode(token).payload).sort()).toEqual(CLAIMS);
      await expectAcceptedEverywhere(t, token, user);
      // REST-auth: a valid token fetches a fresh one.
      const fresh = await t.http().get('/api/token').set('Authorization', basic(token, 'x'));
      expect(fresh.status).toBe(200);
      expect(decode(fresh.body.token as string).payload.sub).toBe(String(user.id));
    });

    it.each(ISSUERS)('an admin token from %s has privilege admin', async (_name, issue) => {
      const token = await issue(t, ADMIN);
      for (const authorization of [token, `Bearer ${token}`]) {
        const res = await privilegeToken(t, authorization);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ privilege: 'admin' });
      }
      expect(await tokenStatus(t, token)).toBe('valid');
    });

    it('a user token from POST /auth/login is valid at the token check', async () => {
      expect(await tokenStatus(t, await userTokenFor(t, user))).toBe('valid');
    });

    it('a token this file signs with the configured key is accepted (the control for what follows)', async () => {
      await expectAcceptedEverywhere(t, goodToken(), crafted);
    });
  });

  describe('POST /api/v1/security/token', () => {
    it.each(invalid)('answers 200 invalid for %s', async (_name, make) => {
      const res = await t
        .http()
        .post('/api/v1/security/token')
        .send({ token: await make(), service: 'orders' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ tokenStatus: 'invalid' });
    });

    it('answers invalid for a revoked token, and only for that one', async () => {
      const token = await accessTokenFor(t, user);
      const other = await accessTokenFor(t, user);
      await expectAcceptedEverywhere(t, token, user);
      const { jti, exp } = decode(token).payload as { jti: string; exp: number };
      await t.app.get(AccessTokensService).revoke(jti, new Date(exp * 1000));
      await expectRefusedEverywhere(t, token);
      await expectAcceptedEverywhere(t, other, user);
    });

    it('answers invalid for every token of a disabled user, whichever endpoint issued it', async () => {
      const victim = await registerUser(t, uniqueName('victim'));
      const tokens = [
        await accessTokenFor(t, victim),
        await securityTokenFor(t, victim),
        await restTokenFor(t, victim),
      ];
      const user = await userTokenFor(t, victim);
      for (const token of tokens) await expectAcceptedEverywhere(t, token, victim);
      expect(await tokenStatus(t, user)).toBe('valid');

      await disable(t, victim);
      for (const token of tokens) await expectRefusedEverywhere(t, token);
      expect(await tokenStatus(t, user)).toBe('invalid');
    });

    it('answers invalid for a user token after POST /auth/logout, and only for that one', async () => {
      const token = await userTokenFor(t, user);
      const other = await userTokenFor(t, user);
      expect(await tokenStatus(t, token)).toBe('valid');
      const logout = await t.http().post('/auth/logout').set('Authorization', `Bearer ${token}`);
      expect(logout.status).toBe(200);
      expect(await tokenStatus(t, token)).toBe('invalid');
      expect(await tokenStatus(t, other)).toBe('valid');
    });

    it('honours an audience: a token for orders is valid for orders only', async () => {
      const listed = goodToken({ aud: ['orders'] });
      expect(await tokenStatus(t, listed, 'orders')).toBe('valid');
      expect(await tokenStatus(t, listed, 'billing')).toBe('invalid');
      const single = goodToken({ aud: 'orders' });
      expect(await tokenStatus(t, single, 'orders')).toBe('valid');
      expect(await tokenStatus(t, single, 'billing')).toBe('invalid');
      const both = goodToken({ aud: ['orders', 'billing'] });
      expect(await tokenStatus(t, both, 'orders')).toBe('valid');
      expect(await tokenStatus(t, both, 'billing')).toBe('valid');
      expect(await tokenStatus(t, both, 'shipping')).toBe('invalid');
      // A token without an audience is for every service.
      expect(await tokenStatus(t, goodToken(), 'billing')).toBe('valid');
    });

    it.each([
      ['an empty object', {}],
      ['no token', { service: 'orders' }],
      ['no service', { token: 'abc' }],
      ['a numeric token', { token: 12345, service: 'orders' }],
      ['a null token', { token: null, service: 'orders' }],
      ['an array token', { token: ['abc'], service: 'orders' }],
      ['an object token', { token: { $ne: '' }, service: 'orders' }],
      ['a numeric service', { token: 'abc', service: 42 }],
    ])('answers 400 {statusCode, message} for %s', async (_name, body) => {
      expectSecurityError(await t.http().post('/api/v1/security/token').send(body), 400);
    });

    it('answers 400 {statusCode, message} for no body and for a body that is not JSON', async () => {
      expectSecurityError(await t.http().post('/api/v1/security/token'), 400);
      const res = await t
        .http()
        .post('/api/v1/security/token')
        .set('Content-Type', 'application/json')
        .send('{"token": ');
      expectSecurityError(res, 400);
    });
  });

  describe('GET /api/v1/security/privilegeToken', () => {
    it('answers 200 {privilege} for `Authorization: <jwt>` and `Authorization: Bearer <jwt>`', async () => {
      const token = await securityTokenFor(t, user);
      for (const authorization of [token, `Bearer ${token}`]) {
        const res = await privilegeToken(t, authorization);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({ privilege: 'user' });
      }
    });

    it('answers 401 {statusCode, message} with no Authorization header', async () => {
      expectSecurityError(await privilegeToken(t), 401);
    });

    it.each([
      ['garbage', () => 'garbage'],
      ['Bearer garbage', () => 'Bearer garbage'],
      ['Bearer and nothing', () => 'Bearer '],
    ] as [string, () => string][])('answers 401 for %s', async (_name, make) => {
      expectSecurityError(await privilegeToken(t, make()), 401);
    });

    it('answers 401 for Basic credentials and for a user token', async () => {
      expectSecurityError(await privilegeToken(t, basic(user.username, PASSWORD)), 401);
      const token = await userTokenFor(t, user);
      expectSecurityError(await privilegeToken(t, token), 401);
      expectSecurityError(await privilegeToken(t, `Bearer ${token}`), 401);
    });

    it.each(invalid)('answers 401 for %s', async (_name, make) => {
      const token = await make();
      for (const authorization of [token, `Bearer ${token}`]) {
        expectSecurityError(await privilegeToken(t, authorization), 401);
      }
    });

    it.each(invalid)(
      'REST-auth answers 401 for %s as token-as-username too',
      async (_name, make) => {
        const res = await resource(t, await make());
        expect(res.status).toBe(401);
        expect(res.text).toBe('Unauthorized Access');
      },
    );
  });
});

describe('Security API: two instances on one database', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({}, database);
    b = await startTestApp({}, database);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  it('sees a revocation made on the other instance at once', async () => {
    const user = await registerUser(a);
    const token = await accessTokenFor(a, user);
    const other = await securityTokenFor(b, user);
    await expectAcceptedEverywhere(a, token, user);
    await expectAcceptedEverywhere(b, token, user);

    const { jti, exp } = decode(token).payload as { jti: string; exp: number };
    await b.app.get(AccessTokensService).revoke(jti, new Date(exp * 1000));
    await expectRefusedEverywhere(a, token);
    await expectRefusedEverywhere(b, token);
    await expectAcceptedEverywhere(a, other, user);
    await expectAcceptedEverywhere(b, other, user);
  });

  it('refuses every token of a disabled user on both instances at once', async () => {
    const user = await registerUser(b);
    const tokens = [
      await accessTokenFor(a, user),
      await securityTokenFor(b, user),
      await restTokenFor(a, user),
    ];
    const userTokenValue = await userTokenFor(b, user);
    for (const instance of [a, b]) {
      for (const token of tokens) await expectAcceptedEverywhere(instance, token, user);
      expect(await tokenStatus(instance, userTokenValue)).toBe('valid');
    }

    await disable(a, user);
    for (const instance of [a, b]) {
      for (const token of tokens) await expectRefusedEverywhere(instance, token);
      expect(await tokenStatus(instance, userTokenValue)).toBe('invalid');
      const login = await instance
        .http()
        .post('/api/v1/security/authentication')
        .send({ username: user.username, password: PASSWORD });
      expectSecurityError(login, 401);
    }
  });
});

describe('Security API in the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('describes authentication, token and privilegeToken', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { responses: object }>>;
    expect(Object.keys(paths['/api/v1/security/authentication'] ?? {})).toContain('post');
    expect(Object.keys(paths['/api/v1/security/token'] ?? {})).toContain('post');
    expect(Object.keys(paths['/api/v1/security/privilegeToken'] ?? {})).toContain('get');
    expect(Object.keys(paths['/api/v1/security/authentication'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401']),
    );
    expect(Object.keys(paths['/api/v1/security/token'].post.responses)).toEqual(
      expect.arrayContaining(['200', '400']),
    );
    expect(Object.keys(paths['/api/v1/security/privilegeToken'].get.responses)).toEqual(
      expect.arrayContaining(['200', '401']),
    );
  });
});
