import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { SigningKeysService } from '../../src/credentials/access-tokens/signing-keys.service.js';
import { UsersService } from '../../src/user-store/users.service.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  decodeJwt as decode,
  registerUser as registerTestUser,
  sql,
  type TestUser,
  uniqueName,
} from '../support/fixtures.js';
import { accessTokenFor } from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * The JWT API: POST /v1/auth exchanges a username and
 * password for an RS256 access token whose claims are those of the document, plus `jti`; the
 * keys that verify it are published at /.well-known/jwks.json and can be rotated.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'root-admin', password: 'admin-password-123' };
const DEFAULT_SCOPE_USER = 'profile:read profile:write';
const DEFAULT_SCOPE_ADMIN = 'profile:read profile:write users:read users:write';
// `cv`: the user's credential version, a claim of Gatehouse's own beside the document's.
const CLAIMS = ['cv', 'exp', 'iat', 'iss', 'jti', 'scope', 'sub', 'sub_type'];
const REQUIRED = 'Required fields were not provided...';
const INVALID = 'One or more request fields are invalid...';
/** OCARIoT's answer to wrong credentials and to an unknown user, exactly (no description). */
const WRONG_CREDENTIALS = { code: 401, message: 'Invalid username or password!' };

const registerUser = (t: TestApp, username = uniqueName('jwt')) =>
  registerTestUser(t, username, PASSWORD);

function postAuth(t: TestApp, body?: unknown) {
  const req = t.http().post('/v1/auth');
  return body === undefined ? req : req.send(body as object);
}

async function jwks(t: TestApp): Promise<JSONWebKeySet> {
  const res = await t.http().get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  return res.body as JSONWebKeySet;
}

const kids = (set: JSONWebKeySet) => set.keys.map((key) => key.kid);

async function checkToken(t: TestApp, token: string): Promise<string> {
  const res = await t.http().post('/api/v1/security/token').send({ token, service: 'orders' });
  expect(res.status).toBe(200);
  return res.body.tokenStatus as string;
}

/** The three checking endpoints must all accept `token` as `user`'s. */
async function expectAcceptedEverywhere(t: TestApp, token: string, user: TestUser) {
  expect(await checkToken(t, token)).toBe('valid');
  const privilege = await t
    .http()
    .get('/api/v1/security/privilegeToken')
    .set('Authorization', `Bearer ${token}`);
  expect(privilege.status).toBe(200);
  expect(privilege.body).toEqual({ privilege: 'user' });
  const resource = await t.http().get('/api/resource').set('Authorization', basic(token, 'x'));
  expect(resource.status).toBe(200);
  expect(resource.body).toEqual({ data: `Hello, ${user.username}!` });
}

type JwtResponse = { status: number; body: unknown; headers: Record<string, string> };

function expectJwtError(res: JwtResponse, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.body as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'description', 'message']);
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(typeof body.description).toBe('string');
  expect(body.message).not.toBe('');
  expect(body.description).not.toBe('');
}

function expectWrongCredentials(res: JwtResponse) {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual(WRONG_CREDENTIALS);
}

describe('JWT API: POST /v1/auth', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    user = await registerUser(t, 'br0001');
  });
  afterAll(() => t.close());

  it('answers 200 with exactly {access_token}: an RS256 JWT whose kid is in the JWKS', async () => {
    const res = await postAuth(t, { username: user.username, password: user.password });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual(['access_token']);
    const token = res.body.access_token as string;
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const { header } = decode(token);
    expect(header.alg).toBe('RS256');
    expect(typeof header.kid).toBe('string');
    expect(kids(await jwks(t))).toContain(header.kid);
    expect(res.text).not.toContain(PASSWORD);
  });

  it('carries exactly sub, sub_type, iss, iat, exp, scope and jti, with the defaults', async () => {
    const before = Math.floor(Date.now() / 1000);
    const token = await accessTokenFor(t, user);
    const after = Math.ceil(Date.now() / 1000);
    const { payload } = decode(token);
    expect(Object.keys(payload).sort()).toEqual(CLAIMS);
    expect(payload.sub).toBe(String(user.id));
    expect(payload.sub_type).toBe('user');
    expect(payload.iss).toBe('gatehouse');
    expect(payload.scope).toBe(DEFAULT_SCOPE_USER);
    expect(Number.isInteger(payload.iat)).toBe(true);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(after);
    expect(payload.exp).toBe((payload.iat as number) + 86_400);
    expect(typeof payload.jti).toBe('string');
    expect((payload.jti as string).length).toBeGreaterThan(0);
  });

  it('gives every token a jti of its own', async () => {
    const first = decode(await accessTokenFor(t, user)).payload.jti;
    const second = decode(await accessTokenFor(t, user)).payload.jti;
    expect(first).not.toBe(second);
  });

  it('logs in with the username in any case, as the same subject', async () => {
    const token = await accessTokenFor(t, { username: 'BR0001', password: PASSWORD });
    expect(decode(token).payload.sub).toBe(String(user.id));
  });

  it('gives the admin sub_type admin and the admin default scope', async () => {
    const token = await accessTokenFor(t, ADMIN);
    const { payload } = decode(token);
    expect(Object.keys(payload).sort()).toEqual(CLAIMS);
    expect(payload.sub_type).toBe('admin');
    expect(payload.scope).toBe(DEFAULT_SCOPE_ADMIN);
    expect(payload.sub).toMatch(/^[1-9][0-9]*$/);
    expect(payload.sub).not.toBe(String(user.id));
  });

  it('ignores privilege, sub_type and scope in the body', async () => {
    const res = await postAuth(t, {
      username: user.username,
      password: user.password,
      privilege: 'admin',
      sub_type: 'admin',
      scope: 'users:write',
      sub: '1',
    });
    expect(res.status).toBe(200);
    const { payload } = decode(res.body.access_token as string);
    expect(payload.sub).toBe(String(user.id));
    expect(payload.sub_type).toBe('user');
    expect(payload.scope).toBe(DEFAULT_SCOPE_USER);
  });

  it('issues a token that another service verifies with jose and the published JWKS', async () => {
    const token = await accessTokenFor(t, user);
    const keySet = createLocalJWKSet(await jwks(t));
    const { payload, protectedHeader } = await jwtVerify(token, keySet, {
      issuer: 'gatehouse',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.sub).toBe(String(user.id));
    expect(payload.scope).toBe(DEFAULT_SCOPE_USER);
    await expect(
      jwtVerify(token, keySet, { issuer: 'someone-else', algorithms: ['RS256'] }),
    ).rejects.toThrow();
    const [h, p, s] = token.split('.');
    const flipped = `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    await expect(
      jwtVerify(`${h}.${p}.${flipped}`, keySet, { issuer: 'gatehouse', algorithms: ['RS256'] }),
    ).rejects.toThrow();
  });

  it('issues tokens that every checking endpoint accepts', async () => {
    await expectAcceptedEverywhere(t, await accessTokenFor(t, user), user);
  });

  describe('validation errors: 400 in the document’s words', () => {
    const cases: [string, unknown, { message: string; description: string }][] = [
      [
        'an empty object',
        {},
        { message: REQUIRED, description: 'username, password are required!' },
      ],
      // OCARIoT says "are" whatever the number of fields.
      [
        'no password',
        { username: 'br0001' },
        { message: REQUIRED, description: 'password are required!' },
      ],
      [
        'no username',
        { password: 'br123' },
        { message: REQUIRED, description: 'username are required!' },
      ],
      [
        'a null username',
        { username: null, password: 'br123' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'a null username and no password: the bad field before the missing one',
        { username: null },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'no username and a numeric password: the bad field before the missing one',
        { password: 12345678 },
        { message: INVALID, description: 'password must be a string!' },
      ],
      [
        'a bad username and a bad password: the username alone, checked first',
        { username: 42, password: '' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'an empty username',
        { username: '', password: 'br123' },
        { message: INVALID, description: 'username must have at least one character!' },
      ],
      [
        'an empty password',
        { username: 'br0001', password: '' },
        { message: INVALID, description: 'password must have at least one character!' },
      ],
      [
        'a numeric username',
        { username: 42, password: 'br123' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'a boolean username',
        { username: true, password: 'br123' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'an array username',
        { username: ['br0001'], password: 'br123' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'an object username',
        { username: { $ne: '' }, password: 'br123' },
        { message: INVALID, description: 'username must be a string!' },
      ],
      [
        'a numeric password',
        { username: 'br0001', password: 12345678 },
        { message: INVALID, description: 'password must be a string!' },
      ],
      [
        'an object password',
        { username: 'br0001', password: { $gt: '' } },
        { message: INVALID, description: 'password must be a string!' },
      ],
    ];

    it.each(cases)('%s', async (_name, body, expected) => {
      const res = await postAuth(t, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ code: 400, ...expected });
    });

    it('no body at all: both fields are required', async () => {
      const res = await postAuth(t);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 400,
        message: REQUIRED,
        description: 'username, password are required!',
      });
    });

    it("a body that is not valid JSON: 400 in OCARIoT's words", async () => {
      const res = await t
        .http()
        .post('/v1/auth')
        .set('Content-Type', 'application/json')
        .send('{"username": "br0001", "password": ');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        code: 400,
        message: 'Unable to process request body!',
        description:
          'Please verify that the JSON provided in the request body has a valid format and try again.',
      });
    });

    it.each([
      ['a JSON array', '[]'],
      ['a JSON string', '"br0001"'],
      ['JSON null', 'null'],
    ])('%s as the body: 400 in the same shape', async (_name, raw) => {
      const res = await t.http().post('/v1/auth').set('Content-Type', 'application/json').send(raw);
      expectJwtError(res, 400);
    });
  });

  describe('wrong credentials: 401 {code, message} as OCARIoT answers', () => {
    it("answers OCARIoT's own test, {any, any}, with exactly its body", async () => {
      expectWrongCredentials(await postAuth(t, { username: 'any', password: 'any' }));
    });

    it('answers a wrong password and an unknown user identically', async () => {
      const wrong = await postAuth(t, { username: user.username, password: 'not-the-password' });
      const unknown = await postAuth(t, { username: 'nobody-here', password: PASSWORD });
      const otherCase = await postAuth(t, {
        username: 'BR0001',
        password: 'Correct-horse-battery',
      });
      for (const res of [wrong, unknown, otherCase]) expectWrongCredentials(res);
    });

    it('refuses a disabled user with the same 401', async () => {
      const disabled = await registerUser(t, uniqueName('disabled'));
      await accessTokenFor(t, disabled);
      await sql(t, 'UPDATE "user" SET enabled = false WHERE id = $1', [disabled.id]);
      expectWrongCredentials(
        await postAuth(t, { username: disabled.username, password: PASSWORD }),
      );
    });
  });
});

describe('JWT API: scopes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });
  afterAll(() => t.close());

  it('puts a scope set with users:set-scope in new tokens, and null returns to the default', async () => {
    const user = await registerUser(t, uniqueName('scoped'));
    const bystander = await registerUser(t, uniqueName('bystander'));
    const users = t.app.get(UsersService);
    const before = await accessTokenFor(t, user);

    await users.setScope(user.username, 'physicalactivities:read sleep:read');
    const scoped = await accessTokenFor(t, user);
    expect(decode(scoped).payload.scope).toBe('physicalactivities:read sleep:read');
    expect(decode(scoped).payload.sub_type).toBe('user');
    expect(decode(await accessTokenFor(t, bystander)).payload.scope).toBe(DEFAULT_SCOPE_USER);
    // A token issued before the change keeps its own claims, which no longer hold: it is dead.
    expect(decode(before).payload.scope).toBe(DEFAULT_SCOPE_USER);
    expect(await checkToken(t, before)).toBe('invalid');
    expect(await checkToken(t, scoped)).toBe('valid');

    await users.setScope(user.username.toUpperCase(), 'measurements:read');
    expect(decode(await accessTokenFor(t, user)).payload.scope).toBe('measurements:read');

    await users.setScope(user.username, null);
    expect(decode(await accessTokenFor(t, user)).payload.scope).toBe(DEFAULT_SCOPE_USER);
  });

  it('gives an admin a scope of their own too, and back to the admin default', async () => {
    const users = t.app.get(UsersService);
    await users.setScope(ADMIN.username, 'users:read');
    const { payload } = decode(await accessTokenFor(t, ADMIN));
    expect(payload.scope).toBe('users:read');
    expect(payload.sub_type).toBe('admin');
    await users.setScope(ADMIN.username, null);
    expect(decode(await accessTokenFor(t, ADMIN)).payload.scope).toBe(DEFAULT_SCOPE_ADMIN);
  });

  it('refuses to set a scope for an unknown user', async () => {
    await expect(
      t.app.get(UsersService).setScope('no-such-user', 'profile:read'),
    ).rejects.toThrow();
  });
});

describe('JWT API: issuer, lifetime and default scopes from configuration', () => {
  const ISSUER = 'https://auth.example.test';
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp({
      JWT_ISSUER: ISSUER,
      JWT_ACCESS_TOKEN_TTL: '3600',
      DEFAULT_SCOPE_USER: 'orders:read',
    });
    user = await registerUser(t);
  });
  afterAll(() => t.close());

  it('signs with JWT_ISSUER, JWT_ACCESS_TOKEN_TTL and DEFAULT_SCOPE_USER', async () => {
    const { payload } = decode(await accessTokenFor(t, user));
    expect(Object.keys(payload).sort()).toEqual(CLAIMS);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload.scope).toBe('orders:read');
  });

  it('verifies with jose for the configured issuer only, and is valid at the token check', async () => {
    const token = await accessTokenFor(t, user);
    const keySet = createLocalJWKSet(await jwks(t));
    const { payload } = await jwtVerify(token, keySet, { issuer: ISSUER, algorithms: ['RS256'] });
    expect(payload.sub).toBe(String(user.id));
    await expect(
      jwtVerify(token, keySet, { issuer: 'gatehouse', algorithms: ['RS256'] }),
    ).rejects.toThrow();
    await expectAcceptedEverywhere(t, token, user);
  });

  it('keeps the REST-auth token at its own 600 s duration', async () => {
    const res = await t
      .http()
      .get('/api/token')
      .set('Authorization', basic(user.username, PASSWORD));
    expect(res.status).toBe(200);
    expect(res.body.duration).toBe(600);
    const { payload } = decode(res.body.token as string);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.exp).toBe((payload.iat as number) + 600);
  });
});

describe('signing key rotation', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    database = await createTestDatabase();
    // A rotated-in key signs at once here; its publication ahead of signing is key-rotation's.
    const signAtOnce = { JWT_KEY_ACTIVATION_DELAY: '0' };
    a = await startTestApp(signAtOnce, database);
    b = await startTestApp(signAtOnce, database);
    user = await registerUser(a);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await database?.drop();
  });

  it('publishes both keys, signs with the new one, and keeps the old tokens valid', async () => {
    const before = await jwks(a);
    expect(before.keys).toHaveLength(1);
    const oldKid = before.keys[0].kid;
    const oldToken = await accessTokenFor(a, user);
    expect(decode(oldToken).header.kid).toBe(oldKid);

    const { kid: newKid } = await a.app.get(SigningKeysService).rotate();
    expect(newKid).not.toBe(oldKid);

    const after = await jwks(a);
    expect(after.keys).toHaveLength(2);
    expect(kids(after)).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const key of after.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }

    // Every issuing endpoint now signs with the new key.
    const newToken = await accessTokenFor(a, user);
    expect(decode(newToken).header.kid).toBe(newKid);
    const security = await a
      .http()
      .post('/api/v1/security/authentication')
      .send({ username: user.username, password: PASSWORD });
    expect(security.status).toBe(200);
    expect(decode(security.body.token as string).header.kid).toBe(newKid);
    const rest = await a
      .http()
      .get('/api/token')
      .set('Authorization', basic(user.username, PASSWORD));
    expect(rest.status).toBe(200);
    expect(decode(rest.body.token as string).header.kid).toBe(newKid);

    await expectAcceptedEverywhere(a, oldToken, user);
    await expectAcceptedEverywhere(a, newToken, user);

    const keySet = createLocalJWKSet(after);
    for (const token of [oldToken, newToken]) {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: 'gatehouse',
        algorithms: ['RS256'],
      });
      expect(payload.sub).toBe(String(user.id));
    }
  });

  it('lets a second instance on the same database verify tokens signed with the new key at once', async () => {
    // b is already running when a rotates; it must find the new key when a token names it.
    const startKids = kids(await jwks(b));
    const { kid: newKid } = await a.app.get(SigningKeysService).rotate();
    expect(startKids).not.toContain(newKid);
    const newToken = await accessTokenFor(a, user);
    expect(decode(newToken).header.kid).toBe(newKid);
    expect(await checkToken(b, newToken)).toBe('valid');
    await expectAcceptedEverywhere(b, newToken, user);
    await expectAcceptedEverywhere(b, await accessTokenFor(b, user), user);
  });
});

describe('JWT API in the OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('describes POST /v1/auth with its 200, 400 and 401 answers', async () => {
    const res = await t.http().get('/docs-json');
    expect(res.status).toBe(200);
    const operation = res.body.paths['/v1/auth']?.post;
    expect(operation).toBeDefined();
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    expect(JSON.stringify(operation.requestBody)).toMatch(/CredentialsDto|username/);
  });
});
