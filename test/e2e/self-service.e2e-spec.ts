import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  sessionFor,
  sessionIsLive,
  tokenStatus,
  userTokenFor,
  withSession,
} from '../support/credentials.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The self-service API under /api/me, black-box over HTTP: any signed-in user (access JWT, user
 * token or session) reads and changes their own profile, key and password, and lists and ends
 * their own user tokens and sessions, and nobody else's.
 */

const PASSWORD = 'correct-horse-battery';
const NEW_PASSWORD = 'battery-staple-horse';
const HASH_OR_SECRET = /\$2[aby]\$|passwordHash|secretHash|tokenHash|[0-9a-f]{64}/;

type Request = ReturnType<ReturnType<TestApp['http']>['get']>;

let t: TestApp;

const newUser = (profile: Record<string, string> = {}) =>
  registerUser(t, uniqueName('self'), PASSWORD, profile);
const bearer = (req: Request, token: string) => req.set('Authorization', `Bearer ${token}`);

function expectError(res: { status: number; body: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body.statusCode).toBe(status);
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('who may call /api/me', () => {
  it('answers 401 in the default dialect without a live credential', async () => {
    expectError(await t.http().get('/api/me'), 401);
    expectError(await bearer(t.http().get('/api/me'), 'not-a-token'), 401);
    expectError(await bearer(t.http().get('/api/me'), '7b9f2c1e-6a4d-4c8b-9f0e-2d3c4b5a6978'), 401);
    expectError(
      await withSession(t.http().get('/api/me'), { sid: '1', secret: 'a'.repeat(64) }),
      401,
    );
  });

  it('takes an access JWT, a user token or a session, and answers for their own user', async () => {
    const user = await newUser();
    const byJwt = await bearer(t.http().get('/api/me'), await accessTokenFor(t, user));
    const byToken = await bearer(t.http().get('/api/me'), await userTokenFor(t, user));
    const bySession = await withSession(t.http().get('/api/me'), await sessionFor(t, user));
    for (const res of [byJwt, byToken, bySession]) {
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(user.id);
    }
  });

  it('refuses a disabled user', async () => {
    const user = await newUser();
    const token = await userTokenFor(t, user);
    await sql(t, 'UPDATE "user" SET "enabled" = $1 WHERE "id" = $2', [false, user.id]);
    expectError(await bearer(t.http().get('/api/me'), token), 401);
  });
});

describe('profile', () => {
  let user: TestUser;
  let jwt: string;
  beforeAll(async () => {
    user = await newUser({ firstName: 'Tony', email: 'tony@example.com' });
    jwt = await accessTokenFor(t, user);
  });

  it('reads my profile: no hash, no admin-only fields', async () => {
    const res = await bearer(t.http().get('/api/me'), jwt);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'createdAt',
        'description',
        'email',
        'firstName',
        'groups',
        'id',
        'lastLoginTime',
        'lastName',
        'passkeys',
        'privilege',
        'publicKey',
        'scope',
        'secondFactor',
        'updatedAt',
        'username',
      ].sort(),
    );
    expect(res.body).toMatchObject({
      username: user.username,
      privilege: 'user',
      secondFactor: false,
      firstName: 'Tony',
      email: 'tony@example.com',
      groups: [],
      passkeys: [],
    });
    expect(JSON.stringify(res.body)).not.toMatch(HASH_OR_SECRET);
  });

  it('updates names, email and description, and ignores privilege, scope, enabled and groups', async () => {
    const res = await bearer(t.http().patch('/api/me'), jwt).send({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: null,
      description: 'Analyst',
      privilege: 'admin',
      scope: 'everything',
      enabled: false,
      groups: [1],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: null,
      description: 'Analyst',
      privilege: 'user',
      scope: null,
      groups: [],
    });
    const stored = await sql(t, 'SELECT "privilege", "enabled" FROM "user" WHERE "id" = $1', [
      user.id,
    ]);
    expect(stored[0].privilege).toBe('user');
    expect([true, 1]).toContain(stored[0].enabled);
  });

  it('refuses a malformed profile with 400', async () => {
    for (const body of [
      { email: 'nope' },
      { firstName: 5 },
      { lastName: 'x'.repeat(129) },
      { description: ['a'] },
    ]) {
      expectError(await bearer(t.http().patch('/api/me'), jwt).send(body), 400);
    }
    expectError(await bearer(t.http().patch('/api/me'), jwt).type('json').send('{"a":'), 400);
  });

  it('replaces my public key with my password, and refuses what is not an RSA public key of 2048 bits', async () => {
    const { publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const put = (body: object) => bearer(t.http().put('/api/me/public-key'), jwt).send(body);
    expectError(await put({ publicKey: pem }), 400);
    expectError(await put({ publicKey: pem, password: 'not-my-password' }), 403);
    const res = await put({ publicKey: pem, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body.publicKey).toBe(pem);
    const { publicKey: small } = await promisify(generateKeyPair)('rsa', { modulusLength: 1024 });
    for (const body of [
      { password: PASSWORD },
      { publicKey: 'nope', password: PASSWORD },
      { publicKey: small.export({ type: 'spki', format: 'pem' }).toString(), password: PASSWORD },
      { publicKey: pem, password: PASSWORD, code: 5 },
    ]) {
      expectError(await put(body), 400);
    }
    const removed = await bearer(t.http().delete('/api/me/public-key'), jwt).send({
      password: PASSWORD,
    });
    expect(removed.status).toBe(204);
    expect((await bearer(t.http().get('/api/me'), jwt)).body.publicKey).toBeNull();
  });
});

describe('password', () => {
  const changePassword = (req: Request, body: object) => req.send(body);

  it('needs the old password (403 otherwise) and a new one the policy takes (400 otherwise)', async () => {
    const user = await newUser();
    const token = await userTokenFor(t, user);
    const call = (body: object) =>
      changePassword(bearer(t.http().post('/api/me/password'), token), body);
    expectError(await call({ oldPassword: 'wrong-password', newPassword: NEW_PASSWORD }), 403);
    expectError(await call({ oldPassword: PASSWORD, newPassword: 'short' }), 400);
    expectError(await call({ oldPassword: PASSWORD }), 400);
    expectError(await call({ newPassword: NEW_PASSWORD }), 400);
    expectError(await call({ oldPassword: 5, newPassword: NEW_PASSWORD }), 400);
    await accessTokenFor(t, user);
  });

  it('counts wrong old passwords towards the lockout', async () => {
    const user = await newUser();
    const token = await userTokenFor(t, user);
    const call = (oldPassword: string) =>
      bearer(t.http().post('/api/me/password'), token).send({
        oldPassword,
        newPassword: NEW_PASSWORD,
      });
    for (let i = 0; i < 5; i += 1) expect((await call('wrong-password')).status).toBe(403);
    const locked = await call(PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });

  it('by session: keeps this session, ends my other sessions, user tokens and earlier JWTs', async () => {
    const user = await newUser();
    const current = await sessionFor(t, user);
    const other = await sessionFor(t, user);
    const userToken = await userTokenFor(t, user);
    const jwt = await accessTokenFor(t, user);
    const someoneElse = await newUser();
    const theirSession = await sessionFor(t, someoneElse);
    // Checked once before, so that a check that kept its answer would have to notice the change.
    expect(await tokenStatus(t, jwt)).toBe('valid');

    const res = await withSession(t.http().post('/api/me/password'), current).send({
      oldPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect(await sessionIsLive(t, current)).toBe(true);
    expect((await withSession(t.http().get('/api/me'), current)).status).toBe(200);
    expect(await sessionIsLive(t, other)).toBe(false);
    expect(await tokenStatus(t, userToken)).not.toBe('valid');
    expect(await tokenStatus(t, jwt)).not.toBe('valid');
    expect(await sessionIsLive(t, theirSession)).toBe(true);

    expect((await t.http().post('/v1/auth').send(user)).status).toBe(401);
    await accessTokenFor(t, { username: user.username, password: NEW_PASSWORD });
  });

  it('by user token: keeps this token, ends my sessions and other user tokens', async () => {
    const user = await newUser();
    const current = await userTokenFor(t, user, 'current');
    const other = await userTokenFor(t, user, 'other');
    const session = await sessionFor(t, user);

    const res = await bearer(t.http().post('/api/me/password'), current).send({
      oldPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect(await tokenStatus(t, current)).toBe('valid');
    expect(await tokenStatus(t, other)).not.toBe('valid');
    expect(await sessionIsLive(t, session)).toBe(false);
    const listed = await bearer(t.http().get('/api/me/user-tokens'), current);
    expect(listed.body.map((token: { note: string }) => token.note)).toEqual(['current']);
  });

  it('by access JWT: ends every session and user token; that JWT, issued before, stops too', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const session = await sessionFor(t, user);
    const userToken = await userTokenFor(t, user);
    const res = await bearer(t.http().post('/api/me/password'), jwt).send({
      oldPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
    expect(await tokenStatus(t, jwt)).not.toBe('valid');
    expect(await tokenStatus(t, userToken)).not.toBe('valid');
    expect(await sessionIsLive(t, session)).toBe(false);
    expectError(await bearer(t.http().get('/api/me'), jwt), 401);
  });

  it('is an audit event without the passwords', async () => {
    const user = await newUser();
    const token = await userTokenFor(t, user);
    await bearer(t.http().post('/api/me/password'), token)
      .send({ oldPassword: PASSWORD, newPassword: 'audited-self-pass' })
      .expect(204);
    const events = await sql(t, 'SELECT * FROM "audit_event" WHERE "type" = $1 AND "userId" = $2', [
      'password.change',
      user.id,
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', api: 'self-service', actorId: null });
    const everything = JSON.stringify(await sql(t, 'SELECT * FROM "audit_event"'));
    expect(everything).not.toContain('audited-self-pass');
    expect(everything).not.toContain(token);
  });
});

describe('my user tokens and sessions', () => {
  it('lists and revokes my user tokens, never the values, never anyone else’s', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const first = await userTokenFor(t, user, 'first');
    const second = await userTokenFor(t, user, 'second');
    const stranger = await newUser();
    const strangersToken = await userTokenFor(t, stranger, 'theirs');

    const listed = await bearer(t.http().get('/api/me/user-tokens'), jwt);
    expect(listed.status).toBe(200);
    expect(listed.body.map((token: { note: string }) => token.note)).toEqual(['first', 'second']);
    expect(listed.text).not.toContain(first);
    expect(listed.text).not.toMatch(HASH_OR_SECRET);

    const secondId = listed.body[1].id as number;
    expect((await bearer(t.http().delete(`/api/me/user-tokens/${secondId}`), jwt)).status).toBe(
      204,
    );
    expect(await tokenStatus(t, second)).not.toBe('valid');
    expect(await tokenStatus(t, first)).toBe('valid');
    expectError(await bearer(t.http().delete(`/api/me/user-tokens/${secondId}`), jwt), 404);

    const theirs = await bearer(t.http().get('/api/me/user-tokens'), strangersToken);
    const theirId = theirs.body[0].id as number;
    expectError(await bearer(t.http().delete(`/api/me/user-tokens/${theirId}`), jwt), 404);
    expect(await tokenStatus(t, strangersToken)).toBe('valid');
    expectError(await bearer(t.http().delete('/api/me/user-tokens/abc'), jwt), 400);
  });

  it('lists and ends my sessions, never the secrets, never anyone else’s', async () => {
    const user = await newUser();
    const current = await sessionFor(t, user);
    const other = await sessionFor(t, user);
    const stranger = await newUser();
    const theirs = await sessionFor(t, stranger);

    const listed = await withSession(t.http().get('/api/me/sessions'), current);
    expect(listed.status).toBe(200);
    expect(listed.body.map((session: { sid: number }) => String(session.sid))).toEqual([
      current.sid,
      other.sid,
    ]);
    expect(listed.text).not.toContain(current.secret);
    expect(listed.text).not.toMatch(HASH_OR_SECRET);

    const end = (sid: string) => withSession(t.http().delete(`/api/me/sessions/${sid}`), current);
    expect((await end(other.sid)).status).toBe(204);
    expect(await sessionIsLive(t, other)).toBe(false);
    expect(await sessionIsLive(t, current)).toBe(true);
    expectError(await end(other.sid), 404);
    expectError(await end(theirs.sid), 404);
    expect(await sessionIsLive(t, theirs)).toBe(true);
    expectError(await end('0'), 400);
  });
});

describe('OpenAPI', () => {
  it('documents every /api/me operation with a summary, the Self-service tag and all three schemes', async () => {
    const doc = (await t.http().get('/docs-json')).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path === '/api/me' || path.startsWith('/api/me/'))
      .flatMap(([, methods]) => Object.values(methods));
    // Profile (2), public key (2), password, user tokens (2), sessions (2), second factor (3),
    // passkeys (5).
    expect(operations).toHaveLength(17);
    for (const op of operations) {
      expect(op.tags).toEqual(['Self-service']);
      expect(typeof op.summary).toBe('string');
      expect(op.security).toEqual(
        expect.arrayContaining([{ jwt: [] }, { 'user-token': [] }, { session: [] }]),
      );
      expect(Object.keys(op.responses as object)).toContain('401');
    }
  });
});
