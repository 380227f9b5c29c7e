import { generateKeyPair, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcrypt';
import type { Response, Test } from 'supertest';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { registerUser, uniqueName, type Profile, type TestUser } from '../support/fixtures.js';

/**
 * Brute-force defences: the per-account lock from the fifth consecutive
 * failure on every password path of the five APIs, with a growing back-off that ends by itself;
 * the per-address limits on the login routes and on the password endpoints; and no way to tell
 * an unknown user from a wrong password, by the answer or by its time.
 */

const PASSWORD = 'correct-horse-battery';
const WRONG = 'not-the-password-1';
const ADMIN = { username: 'bf-admin', password: 'admin-password-123' };
const COOKIE = 'GCN_SESSION_SECRET';
const LOCKOUT_BASE_SECONDS = 30;

const generateRsaKeyPair = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
const spkiPem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

/** Registers a user through the REST-auth API: as the admin when registration is closed. */
async function createUser(
  t: TestApp,
  profile: Profile = {},
  username = uniqueName('bf'),
): Promise<TestUser> {
  const admin = t.config.registrationOpen ? undefined : basic(ADMIN.username, ADMIN.password);
  return registerUser(t, username, PASSWORD, profile, admin);
}

async function createAdmin(t: TestApp): Promise<TestUser> {
  const user = await createUser(t, {}, uniqueName('bf-admin'));
  await t.db.getRepository(User).update({ id: user.id }, { privilege: 'admin' });
  return user;
}

/** What the lock keeps in the user row. */
async function lockState(
  t: TestApp,
  user: TestUser,
): Promise<{ failedLoginCount: number; lockedUntil: Date | null }> {
  const row = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
  return { failedLoginCount: row.failedLoginCount, lockedUntil: row.lockedUntil };
}

/** Retry-After as a whole number of seconds, at least one. */
function retryAfter(res: Response): number {
  const value = res.headers['retry-after'] as string | undefined;
  expect(value, 'Retry-After header').toMatch(/^[1-9][0-9]*$/);
  return Number(value);
}

function expectJson(res: Response): void {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

// ---- every API's 429 -------------------------------------------------------------------------

type DialectName = 'jwt' | 'security' | 'user-token' | 'session' | 'rest-auth';

/** A 429 in the dialect of its API, with a usable Retry-After, and nothing issued. */
function expectTooMany(res: Response, dialect: DialectName): number {
  expect(res.status, res.text).toBe(429);
  expectJson(res);
  expect(res.headers['set-cookie']).toBeUndefined();
  expect(res.text).not.toContain('eyJ');
  switch (dialect) {
    case 'jwt':
      expect(Object.keys(res.body).sort()).toEqual(['code', 'description', 'message']);
      expect(res.body.code).toBe(429);
      expect(typeof res.body.message).toBe('string');
      expect(typeof res.body.description).toBe('string');
      break;
    case 'security':
    case 'user-token':
      expect(Object.keys(res.body).sort()).toEqual(['message', 'statusCode']);
      expect(res.body.statusCode).toBe(429);
      expect(res.body.message).toMatch(/\w/);
      break;
    case 'session':
      expect(Object.keys(res.body).sort()).toEqual(['messages', 'responseInfo']);
      expect(res.body.responseInfo.responseCode).toBe('FAILURE');
      expect(res.body.messages).toHaveLength(1);
      expect(res.body.messages[0].type).toBe('CRITICAL');
      break;
    case 'rest-auth':
      expect(res.text).not.toBe('Unauthorized Access');
      expect(res.headers['www-authenticate']).toBeUndefined();
      expect(res.body.message).toMatch(/\w/);
      break;
  }
  return retryAfter(res);
}

// ---- the password paths ----------------------------------------------------------------------

interface PasswordPath {
  name: string;
  dialect: DialectName;
  /** Status of a success and of a wrong password. */
  ok: number;
  failed: number;
  /** Only an admin's credentials succeed here. */
  adminOnly?: boolean;
  attempt(t: TestApp, user: TestUser, password: string): Test;
}

let publicKeyPem = '';

const PASSWORD_PATHS: PasswordPath[] = [
  {
    name: 'POST /v1/auth',
    dialect: 'jwt',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().post('/v1/auth').send({ username: user.username, password }),
  },
  {
    name: 'POST /api/v1/security/authentication',
    dialect: 'security',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().post('/api/v1/security/authentication').send({ username: user.username, password }),
  },
  {
    name: 'POST /auth/login with Basic (user-token API)',
    dialect: 'user-token',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().post('/auth/login').set('Authorization', basic(user.username, password)),
  },
  {
    name: 'POST /auth/login with JSON {login, password} (session API)',
    dialect: 'session',
    ok: 201,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().post('/auth/login').send({ login: user.username, password }),
  },
  {
    name: 'GET /api/token with Basic',
    dialect: 'rest-auth',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().get('/api/token').set('Authorization', basic(user.username, password)),
  },
  {
    name: 'GET /api/resource with Basic',
    dialect: 'rest-auth',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t.http().get('/api/resource').set('Authorization', basic(user.username, password)),
  },
  {
    name: 'POST /api/users as an admin with Basic, registration closed',
    dialect: 'rest-auth',
    ok: 201,
    failed: 401,
    adminOnly: true,
    attempt: (t, user, password) =>
      t
        .http()
        .post('/api/users')
        .set('Authorization', basic(user.username, password))
        .send({ username: uniqueName('bf-new'), password: PASSWORD }),
  },
  {
    name: 'PUT /api/users/{id}/public-key with Basic',
    dialect: 'rest-auth',
    ok: 200,
    failed: 401,
    attempt: (t, user, password) =>
      t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', basic(user.username, password))
        .send({ publicKey: publicKeyPem }),
  },
];

const byName = (prefix: string) => PASSWORD_PATHS.find((path) => path.name.startsWith(prefix))!;

async function failTimes(t: TestApp, path: PasswordPath, user: TestUser, times: number) {
  for (let i = 0; i < times; i += 1) {
    const res = await path.attempt(t, user, WRONG);
    expect(res.status, `${path.name}, failure ${i + 1}: ${res.text}`).toBe(path.failed);
  }
}

async function expectSuccess(t: TestApp, path: PasswordPath, user: TestUser): Promise<void> {
  const res = await path.attempt(t, user, user.password);
  expect(res.status, `${path.name}: ${res.text}`).toBe(path.ok);
}

// =============================================================================================

describe('Brute force: the per-account lock', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      REGISTRATION_OPEN: 'false',
      LOCKOUT_BASE_SECONDS: String(LOCKOUT_BASE_SECONDS),
    });
    publicKeyPem = spkiPem((await generateRsaKeyPair()).publicKey);
  });
  afterAll(() => t.close());

  const newUser = (path: PasswordPath) => (path.adminOnly ? createAdmin(t) : createUser(t));

  describe.each(PASSWORD_PATHS)('$name', (path) => {
    it('locks from the 5th consecutive failure: the right password is then a 429 with Retry-After', async () => {
      const victim = await newUser(path);
      await failTimes(t, path, victim, 4);
      expect(await lockState(t, victim)).toEqual({ failedLoginCount: 4, lockedUntil: null });

      await failTimes(t, path, victim, 1);
      const state = await lockState(t, victim);
      expect(state.failedLoginCount).toBe(5);
      const lockedFor = state.lockedUntil!.getTime() - Date.now();
      expect(lockedFor).toBeGreaterThan((LOCKOUT_BASE_SECONDS - 5) * 1000);
      expect(lockedFor).toBeLessThanOrEqual(LOCKOUT_BASE_SECONDS * 1000);

      const locked = await path.attempt(t, victim, PASSWORD);
      const seconds = expectTooMany(locked, path.dialect);
      expect(seconds).toBeGreaterThan(LOCKOUT_BASE_SECONDS - 5);
      expect(seconds).toBeLessThanOrEqual(LOCKOUT_BASE_SECONDS);
      // A wrong password during the lock gets the same answer, and does not extend it.
      expectTooMany(await path.attempt(t, victim, WRONG), path.dialect);
      expect(await lockState(t, victim)).toEqual(state);
    });

    it('never blocks another account', async () => {
      const victim = await newUser(path);
      const other = await newUser(path);
      await failTimes(t, path, victim, 5);
      expectTooMany(await path.attempt(t, victim, PASSWORD), path.dialect);
      await expectSuccess(t, path, other);
      expect(await lockState(t, other)).toEqual({ failedLoginCount: 0, lockedUntil: null });
    });
  });

  it('counts failures across paths and APIs: 2 on /v1/auth and 3 on the session login lock GET /api/resource', async () => {
    const victim = await createUser(t);
    await failTimes(t, byName('POST /v1/auth'), victim, 2);
    await failTimes(t, byName('POST /auth/login with JSON'), victim, 3);
    expect((await lockState(t, victim)).failedLoginCount).toBe(5);
    for (const path of PASSWORD_PATHS.filter((candidate) => !candidate.adminOnly)) {
      expectTooMany(await path.attempt(t, victim, PASSWORD), path.dialect);
    }
  });

  it('answers the 6th try on an unknown username as on a real one (the lock tells no one who exists)', async () => {
    const outcomes: string[] = [];
    for (const path of PASSWORD_PATHS) {
      const known = await newUser(path);
      const unknown: TestUser = { id: known.id, username: uniqueName('ghost'), password: '' };
      for (let i = 0; i < 5; i += 1) {
        await path.attempt(t, known, WRONG);
        await path.attempt(t, unknown, WRONG);
      }
      const real = await path.attempt(t, known, WRONG);
      const ghost = await path.attempt(t, unknown, WRONG);
      expect(real.status).toBe(429);
      const same =
        JSON.stringify(comparable(ghost, true)) === JSON.stringify(comparable(real, true));
      outcomes.push(`${path.name}: ${same ? 'same' : `${ghost.status} for an unknown user`}`);
    }
    expect(outcomes).toEqual(PASSWORD_PATHS.map((path) => `${path.name}: same`));
  });

  it('resets the count on a success before the 5th failure', async () => {
    const user = await createUser(t);
    const [jwt, security, userToken, session, token, resource] = PASSWORD_PATHS;
    await failTimes(t, jwt, user, 2);
    await failTimes(t, session, user, 2);
    expect((await lockState(t, user)).failedLoginCount).toBe(4);
    await expectSuccess(t, security, user);
    expect(await lockState(t, user)).toEqual({ failedLoginCount: 0, lockedUntil: null });
    await failTimes(t, userToken, user, 2);
    await failTimes(t, token, user, 2);
    await expectSuccess(t, resource, user);
    expect(await lockState(t, user)).toEqual({ failedLoginCount: 0, lockedUntil: null });
  });
});

describe('Brute force: the lock ends by itself and grows', () => {
  let t: TestApp;
  let clock: TestClock;
  const jwt = PASSWORD_PATHS[0];
  beforeAll(async () => {
    t = await startTestApp({ LOCKOUT_BASE_SECONDS: '1' });
    clock = controlClock(t);
  });
  afterAll(() => t.close());

  it('lets the right password in once the lock has passed, and starts counting afresh', async () => {
    const user = await createUser(t);
    await failTimes(t, jwt, user, 5);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(1);
    clock.advance(1200);
    await expectSuccess(t, jwt, user);
    expect(await lockState(t, user)).toEqual({ failedLoginCount: 0, lockedUntil: null });
    await failTimes(t, jwt, user, 4);
    await expectSuccess(t, jwt, user);
  });

  it('doubles the lock with each further failure: 1 s, then 2 s, then 4 s', async () => {
    const user = await createUser(t);
    const session = PASSWORD_PATHS[3];
    await failTimes(t, jwt, user, 5);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(1);

    clock.advance(1200);
    await failTimes(t, session, user, 1);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(2);
    let state = await lockState(t, user);
    expect(state.failedLoginCount).toBe(6);
    expect(state.lockedUntil!.getTime() - clock.nowMs()).toBeGreaterThan(1500);
    clock.advance(1000);
    // Still locked after one second: this lock is longer than the first.
    expect(expectTooMany(await session.attempt(t, user, PASSWORD), 'session')).toBe(1);

    clock.advance(1200);
    await failTimes(t, jwt, user, 1);
    expect(expectTooMany(await session.attempt(t, user, PASSWORD), 'session')).toBe(4);
    state = await lockState(t, user);
    expect(state.failedLoginCount).toBe(7);
    expect(state.lockedUntil!.getTime() - clock.nowMs()).toBeGreaterThan(3500);
  });
});

describe('Brute force: the lock is capped at LOCKOUT_MAX_SECONDS', () => {
  let t: TestApp;
  let clock: TestClock;
  const jwt = PASSWORD_PATHS[0];
  beforeAll(async () => {
    t = await startTestApp({ LOCKOUT_BASE_SECONDS: '1', LOCKOUT_MAX_SECONDS: '2' });
    clock = controlClock(t);
  });
  afterAll(() => t.close());

  it('grows 1 s, 2 s, then stays at 2 s', async () => {
    const user = await createUser(t);
    await failTimes(t, jwt, user, 5);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(1);
    clock.advance(1200);
    await failTimes(t, jwt, user, 1);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(2);
    clock.advance(2200);
    await failTimes(t, jwt, user, 1);
    expect(expectTooMany(await jwt.attempt(t, user, PASSWORD), 'jwt')).toBe(2);
    expect((await lockState(t, user)).failedLoginCount).toBe(7);
  });
});

// ---- per client address ----------------------------------------------------------------------

interface LoginRoute {
  name: string;
  dialect: DialectName;
  send(t: TestApp): Test;
}

/** One request to each login route; what it carries does not matter, only that it is a login. */
const LOGIN_ROUTES: LoginRoute[] = [
  {
    name: 'POST /v1/auth',
    dialect: 'jwt',
    send: (t) => t.http().post('/v1/auth').send({ username: 'nobody', password: WRONG }),
  },
  {
    name: 'POST /api/v1/security/authentication',
    dialect: 'security',
    send: (t) =>
      t
        .http()
        .post('/api/v1/security/authentication')
        .send({ username: 'nobody', password: WRONG }),
  },
  {
    name: 'POST /auth/login with Basic',
    dialect: 'user-token',
    send: (t) => t.http().post('/auth/login').set('Authorization', basic('nobody', WRONG)),
  },
  {
    name: 'POST /auth/login with JSON',
    dialect: 'session',
    send: (t) => t.http().post('/auth/login').send({ login: 'nobody', password: WRONG }),
  },
  {
    name: 'POST /auth/loginwithrsa',
    dialect: 'session',
    send: (t) =>
      t
        .http()
        .post('/auth/loginwithrsa')
        .send({
          username: 'nobody',
          salt: randomUUID(),
          expirationTimestamp: Date.now() + 60_000,
          rsaSignature: 'c2lnbmF0dXJl',
        }),
  },
  {
    name: 'GET /auth/login',
    dialect: 'session',
    send: (t) => t.http().get('/auth/login').set('X-Remote-User', 'nobody'),
  },
  {
    name: 'GET /auth/ssologin',
    dialect: 'session',
    send: (t) => t.http().get('/auth/ssologin').set('X-Remote-User', 'nobody'),
  },
  {
    name: 'GET /api/token',
    dialect: 'rest-auth',
    send: (t) => t.http().get('/api/token').set('Authorization', basic('nobody', WRONG)),
  },
];

const route = (name: string) => LOGIN_ROUTES.find((candidate) => candidate.name === name)!;

/** Two orders of five allowed logins and a refused sixth, so that every route is seen to count and to refuse. */
const LIMIT_ORDERS = [
  {
    order: 'JWT, Security, both /auth/login forms and loginwithrsa, then GET /auth/login',
    allowed: [
      'POST /v1/auth',
      'POST /api/v1/security/authentication',
      'POST /auth/login with Basic',
      'POST /auth/login with JSON',
      'POST /auth/loginwithrsa',
    ],
    sixth: 'GET /auth/login',
  },
  {
    order: 'the SSO routes, /api/token, loginwithrsa and /auth/login, then POST /v1/auth',
    allowed: [
      'GET /auth/login',
      'GET /auth/ssologin',
      'GET /api/token',
      'POST /auth/loginwithrsa',
      'POST /auth/login with Basic',
    ],
    sixth: 'POST /v1/auth',
  },
];

describe.each(LIMIT_ORDERS)(
  'Brute force: LOGIN_ATTEMPTS_PER_MINUTE=5 per client address ($order)',
  ({ allowed, sixth }) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ LOGIN_ATTEMPTS_PER_MINUTE: '5' });
    });
    afterAll(() => t.close());

    it('refuses the 6th login request in a minute with 429 and Retry-After, whichever login route', async () => {
      for (const name of allowed) {
        const res = await route(name).send(t);
        expect(res.status, name).not.toBe(429);
        expect(res.status, name).toBeLessThan(500);
      }
      const refused = await route(sixth).send(t);
      expect(expectTooMany(refused, route(sixth).dialect)).toBeLessThanOrEqual(60);
      for (const login of LOGIN_ROUTES) {
        const res = await login.send(t);
        expect(expectTooMany(res, login.dialect), login.name).toBeLessThanOrEqual(60);
      }
    });

    it('does not limit the other routes', async () => {
      // Over the limit already (the case above), or brought over it here.
      for (let i = 0; i < 6 && (await route(sixth).send(t)).status !== 429; i += 1);
      for (let i = 0; i < 8; i += 1) {
        const live = await t.http().get('/health/live');
        expect(live.status).toBe(200);
        const check = await t
          .http()
          .post('/api/v1/security/token')
          .send({ token: 'not-a-token', service: 'orders' });
        expect(check.status).toBe(200);
        expect(check.body).toEqual({ tokenStatus: 'invalid' });
      }
      // The login routes are still refused: the limit holds for the whole minute.
      expectTooMany(await route('POST /v1/auth').send(t), 'jwt');
    });
  },
);

describe('Brute force: PASSWORD_OPS_PER_MINUTE=4 per client address, a registration among them', () => {
  let t: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    t = await startTestApp({ PASSWORD_OPS_PER_MINUTE: '4', LOGIN_ATTEMPTS_PER_MINUTE: '5' });
    // Operation 1 of 4: a registration hashes a password.
    user = await createUser(t);
  });
  afterAll(() => t.close());

  async function sessionLogin(): Promise<Response> {
    return t.http().post('/auth/login').send({ login: user.username, password: user.password });
  }

  it('refuses the 5th hash/match/registration in a minute with 429, and counts it apart from the logins', async () => {
    // Login 1 of 5.
    const login = await sessionLogin();
    expect(login.status).toBe(201);
    const sid = login.body.sid as string;
    const cookieHeader = String(login.headers['set-cookie']);
    const secret = /GCN_SESSION_SECRET=([0-9a-f]{64})/.exec(cookieHeader)![1];
    const cookie = `${COOKIE}=${secret}`;
    const hash = bcrypt.hashSync('some-password', 4);
    const match = (password: string) =>
      t.http().post('/auth/matchpassword').query({ sid }).set('Cookie', cookie).send({
        password,
        hash,
      });
    const hashPassword = () =>
      t.http().post('/auth/hashpassword').query({ sid }).set('Cookie', cookie).send({
        password: 'another-password',
        userId: user.id,
      });

    // Operations 2–4 of 4: the login above did not count against them.
    const first = await match('some-password');
    expect(first.status).toBe(201);
    expect(first.body.responseInfo.responseCode).toBe('OK');
    expect((await hashPassword()).status).toBe(201);
    const third = await match('other-password');
    expect(third.status).toBe(201);
    expect(third.body.responseInfo.responseCode).toBe('FAILURE');

    expect(expectTooMany(await match('some-password'), 'session')).toBeLessThanOrEqual(60);
    expectTooMany(await hashPassword(), 'session');

    // Logins 2–5 of 5: the password operations did not count against them.
    for (let i = 2; i <= 5; i += 1) expect((await sessionLogin()).status, `login ${i}`).toBe(201);
    expectTooMany(await sessionLogin(), 'session');
  });
});

// ---- user enumeration ------------------------------------------------------------------------

/**
 * The parts of an answer that may not differ between an unknown user and a wrong password;
 * Retry-After only as present or not when `roughly`, since two locks may be a second apart.
 */
function comparable(res: Response, roughly = false): unknown {
  const headers = Object.fromEntries(
    ['www-authenticate', 'content-type', 'retry-after', 'set-cookie', 'vary', 'location'].map(
      (name) => [name, res.headers[name] ?? null],
    ),
  );
  if (roughly) headers['retry-after'] = headers['retry-after'] === null ? 'absent' : 'present';
  let body: unknown = res.text;
  if (String(res.headers['content-type']).startsWith('application/json')) {
    const json = res.body as { messages?: Record<string, unknown>[] };
    // The session API's messages carry a timestamp and a sequence number of their own.
    body = Array.isArray(json.messages)
      ? { ...json, messages: json.messages.map((m) => ({ ...m, timestamp: 0, id: 0 })) }
      : json;
  }
  return { status: res.status, headers, body };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

describe('Brute force: an unknown user and a wrong password look the same', () => {
  let t: TestApp;
  let rsaKey: KeyObject;
  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      REGISTRATION_OPEN: 'false',
      BCRYPT_COST: '10',
    });
    const pair = await generateRsaKeyPair();
    rsaKey = pair.privateKey;
    publicKeyPem = spkiPem(pair.publicKey);
  });
  afterAll(() => t.close());

  it.each(PASSWORD_PATHS)('$name: same status, body and headers', async (path) => {
    const known = await createUser(t);
    const unknown: TestUser = {
      id: known.id + 100_000,
      username: uniqueName('ghost'),
      password: '',
    };
    const wrongPassword = await path.attempt(t, known, WRONG);
    const unknownUser = await path.attempt(t, unknown, WRONG);
    expect(wrongPassword.status).toBe(path.failed);
    expect(comparable(unknownUser)).toEqual(comparable(wrongPassword));
  });

  it('POST /auth/loginwithrsa: same status, body and headers for a bad signature and an unknown user', async () => {
    const known = await createUser(t, { publicKey: publicKeyPem });
    const signed = (username: string, key: KeyObject) => {
      const salt = randomUUID();
      const expirationTimestamp = Date.now() + 60_000;
      const data = Buffer.from(`${username}:${salt}:${expirationTimestamp}`, 'utf8');
      const rsaSignature = sign('sha256', data, key).toString('base64');
      return { username, salt, expirationTimestamp, rsaSignature };
    };
    const rsaLogin = (body: object) => t.http().post('/auth/loginwithrsa').send(body);
    // The control: the right signature logs in.
    expect((await rsaLogin(signed(known.username, rsaKey))).status).toBe(201);
    const otherKey = (await generateRsaKeyPair()).privateKey;
    const badSignature = await rsaLogin(signed(known.username, otherKey));
    const unknownUser = await rsaLogin(signed(uniqueName('ghost'), rsaKey));
    expect(badSignature.status).toBe(401);
    expect(comparable(unknownUser)).toEqual(comparable(badSignature));
  });

  it('takes as long for an unknown user as for a wrong password on POST /v1/auth (a bcrypt runs for both)', async () => {
    const tries = 7;
    const users = await Promise.all(Array.from({ length: tries + 1 }, () => createUser(t)));
    const attempt = async (username: string): Promise<number> => {
      const started = performance.now();
      const res = await t.http().post('/v1/auth').send({ username, password: WRONG });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(401);
      return elapsed;
    };
    // Warm up both paths once.
    await attempt(users[tries].username);
    await attempt(uniqueName('ghost'));
    const wrongPassword: number[] = [];
    const unknownUser: number[] = [];
    for (let i = 0; i < tries; i += 1) {
      // Alternated, so that any drift in the machine's speed falls on both alike.
      wrongPassword.push(await attempt(users[i].username));
      unknownUser.push(await attempt(uniqueName('ghost')));
    }
    const known = median(wrongPassword);
    const ghost = median(unknownUser);
    const figures = `wrong password ${known.toFixed(1)} ms, unknown user ${ghost.toFixed(1)} ms`;
    console.info(`[timing] POST /v1/auth, median of ${tries}: ${figures}`);
    expect(known, figures).toBeGreaterThan(20);
    expect(ghost, figures).toBeGreaterThan(20);
    expect(Math.abs(known - ghost) / Math.max(known, ghost), figures).toBeLessThan(0.4);
  });

  it('tells a taken name at registration (the one allowed exception): 400 on POST /api/users', async () => {
    const taken = await createUser(t, {}, uniqueName('Taken'));
    const admin = basic(ADMIN.username, ADMIN.password);
    for (const username of [taken.username, taken.username.toUpperCase()]) {
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', admin)
        .send({ username, password: PASSWORD });
      expect(res.status).toBe(400);
      expectJson(res);
      expect(res.body).toEqual({ status: `Username ${username} already exists` });
    }
    const free = await t
      .http()
      .post('/api/users')
      .set('Authorization', admin)
      .send({ username: uniqueName('Free'), password: PASSWORD });
    expect(free.status).toBe(201);
  });
});
