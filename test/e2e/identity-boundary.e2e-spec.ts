import type { Response } from 'supertest';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  accessTokenFor,
  SESSION_COOKIE,
  sessionFor,
  userTokenFor,
  withSession,
} from '../support/credentials.js';

/**
 * The seams a hostile tester got through, each closed in the one place its rule lives: the lock
 * under concurrent guesses (SQLite, PostgreSQL, two instances), the per-address limit on every
 * password check whatever the route, the same answers for known and unknown names under a burst,
 * no typed name kept in clear, and session secrets only in the cookie.
 */

const PASSWORD = 'identity-boundary-pass-1';
const WRONG = 'not-the-right-one-1';
const ADMIN = { username: 'ib-admin', password: 'ib-admin-password-1' };
const THRESHOLD = 5;

const counts = (responses: Response[]) =>
  responses.reduce<Record<number, number>>(
    (byStatus, res) => ({ ...byStatus, [res.status]: (byStatus[res.status] ?? 0) + 1 }),
    {},
  );

const jwtLogin = (t: TestApp, username: string, password: string) =>
  t.http().post('/v1/auth').send({ username, password });

/** `guesses` wrong passwords and then the right one, all sent at once, spread over `apps`. */
function burst(
  apps: TestApp[],
  user: TestUser,
  guesses: number,
  send: (t: TestApp, password: string) => Promise<Response>,
): Promise<Response[]> {
  const passwords = [...Array.from({ length: guesses }, () => WRONG), user.password];
  return Promise.all(passwords.map((password, i) => send(apps[i % apps.length], password)));
}

/** The lock's bound: at most THRESHOLD answers told the truth, every other one is the lock's 429. */
function expectLockHeld(responses: Response[]): void {
  const truthful = responses.filter((res) => res.status !== 429);
  expect(truthful.length, JSON.stringify(counts(responses))).toBeLessThanOrEqual(THRESHOLD);
  for (const res of responses.filter((r) => r.status === 429)) {
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  }
}

describe('Identity boundary: the lock under concurrent guesses', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('40 guesses at once on POST /v1/auth, the right one last: no more than the threshold answered, then the lock', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const responses = await burst([t], user, 39, (app, password) =>
      jwtLogin(app, user.username, password),
    );
    expectLockHeld(responses);
    expect(responses.at(-1)!.status).toBe(429);
    expect((await jwtLogin(t, user.username, PASSWORD)).status).toBe(429);
  });

  it('60 Basic guesses at once on GET /api/resource: the lock holds there too', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const responses = await burst([t], user, 59, (app, password) =>
      app.http().get('/api/resource').set('Authorization', basic(user.username, password)),
    );
    expectLockHeld(responses);
    expect(responses.at(-1)!.status).toBe(429);
  });

  it('never refuses correct logins arriving together while no failure is recorded', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http().get('/api/resource').set('Authorization', basic(user.username, PASSWORD)),
      ),
    );
    expect(counts(responses)).toEqual({ 200: 20 });
  });

  it('answers a burst on an unknown name exactly as on a real one', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const [known, unknown] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => jwtLogin(t, user.username, WRONG))),
      Promise.all(Array.from({ length: 20 }, () => jwtLogin(t, uniqueName('nobody'), WRONG))),
    ]);
    const nobody = uniqueName('nobody');
    const unknownBurst = await Promise.all(
      Array.from({ length: 20 }, () => jwtLogin(t, nobody, WRONG)),
    );
    expect(counts(known)).toEqual({ 401: THRESHOLD, 429: 20 - THRESHOLD });
    expect(counts(unknownBurst)).toEqual(counts(known));
    // Twenty different unknown names are twenty first failures.
    expect(counts(unknown)).toEqual({ 401: 20 });
  });
});

describe('Identity boundary: the lock across two instances on one database', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    a = await startTestApp({}, database);
    b = await startTestApp({}, database);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await database.drop();
  });

  it('a burst spread over both instances learns no more than the threshold', async () => {
    const user = await registerUser(a, uniqueName('ib'), PASSWORD);
    const responses = await burst([a, b], user, 39, (app, password) =>
      jwtLogin(app, user.username, password),
    );
    expectLockHeld(responses);
    expect((await jwtLogin(b, user.username, PASSWORD)).status).toBe(429);
  });
});

describe('Identity boundary: every password check counts against the per-address limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LOGIN_ATTEMPTS_PER_MINUTE: '5', PASSWORD_OPS_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('refuses Basic password checks on REST-auth routes once /v1/auth used the limit, but not a token as username', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const token = await accessTokenFor(t, user); // login 1 of 5
    for (let i = 2; i <= 5; i += 1) {
      expect((await jwtLogin(t, uniqueName('nobody'), WRONG)).status).toBe(401);
    }
    expect((await jwtLogin(t, user.username, PASSWORD)).status).toBe(429);

    const resource = await t
      .http()
      .get('/api/resource')
      .set('Authorization', basic(user.username, PASSWORD));
    expect(resource.status).toBe(429);
    expect(Number(resource.headers['retry-after'])).toBeGreaterThan(0);
    const key = await t
      .http()
      .put(`/api/users/${user.id}/public-key`)
      .set('Authorization', basic(user.username, PASSWORD))
      .send({ publicKey: 'not a key' });
    expect(key.status).toBe(429);

    // A token as the username is no password check: a REST-auth client keeps working.
    for (let i = 0; i < 8; i += 1) {
      const res = await t.http().get('/api/resource').set('Authorization', basic(token, 'x'));
      expect(res.status).toBe(200);
    }
  });

  it('counts registrations (a bcrypt hash each) against the password-ops limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await t
        .http()
        .post('/api/users')
        .send({ username: uniqueName('ib-reg'), password: PASSWORD });
      statuses.push(res.status);
    }
    // The first test registered one user from this address already.
    expect(statuses).toEqual([201, 201, 429, 429]);
  });
});

describe('Identity boundary: what is stored of a failed login', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });
  afterAll(() => t.close());

  it('keeps a user token or a password typed as the username only as a keyed hash', async () => {
    const user = await registerUser(t, uniqueName('ib'), PASSWORD);
    const userToken = await userTokenFor(t, user);
    const typedPassword = `${PASSWORD}-typed-as-name`;
    const longName = 'x'.repeat(8000);
    for (const name of [userToken, typedPassword, longName]) {
      const res = await t.http().get('/api/resource').set('Authorization', basic(name, 'anything'));
      expect(res.status).toBe(401);
    }
    expect((await jwtLogin(t, typedPassword, WRONG)).status).toBe(401);

    const stored = JSON.stringify([
      await sql(t, 'SELECT * FROM "audit_event"'),
      await sql(t, 'SELECT * FROM "login_failure"'),
    ]);
    for (const secret of [userToken, typedPassword, 'x'.repeat(100)]) {
      expect(stored).not.toContain(secret);
    }
    const failures = await sql(t, 'SELECT "usernameKey" FROM "login_failure"');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    for (const row of failures) expect(String(row.usernameKey)).toMatch(/^[\w-]{43}$/);

    const admin = await accessTokenFor(t, ADMIN);
    const events = await t
      .http()
      .get('/api/admin/audit-events')
      .query({ type: 'login', outcome: 'failure' })
      .set('Authorization', `Bearer ${admin}`);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.body)).not.toContain(userToken);
    expect(JSON.stringify(events.body)).not.toContain(typedPassword);
  });

  it('still locks a name no user has, under its hash, after the threshold', async () => {
    const name = uniqueName('nobody');
    const statuses: number[] = [];
    for (let i = 0; i <= THRESHOLD; i += 1) statuses.push((await jwtLogin(t, name, WRONG)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe('Identity boundary: a session secret only in the cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });
  afterAll(() => t.close());

  it('refuses sid + secret in a query, in X-Session-Id or in the logout path; takes the bare sid with the cookie', async () => {
    const session = await sessionFor(t, ADMIN);
    const combined = `${session.sid}${session.secret}`;

    const inQuery = await t.http().get('/api/admin/users').query({ sid: combined });
    expect(inQuery.status).toBe(401);
    const inHeader = await t.http().get('/api/admin/users').set('X-Session-Id', combined);
    expect(inHeader.status).toBe(401);
    const hashInQuery = await t
      .http()
      .post('/auth/hashpassword')
      .query({ sid: combined })
      .send({ password: 'some-new-password-1', userId: 1 });
    expect(hashInQuery.status).toBe(401);
    expect(hashInQuery.body.responseInfo.responseCode).toBe('FAILURE');
    const logoutInPath = await t.http().post(`/auth/logout/${combined}`);
    expect(logoutInPath.status).not.toBe(201);

    const bare = await withSession(t.http().get('/api/admin/users'), session);
    expect(bare.status).toBe(200);
    const hashBare = await t
      .http()
      .post('/auth/hashpassword')
      .query({ sid: session.sid })
      .set('Cookie', `${SESSION_COOKIE}=${session.secret}`)
      .send({ password: 'some-new-password-1', userId: 1 });
    expect(hashBare.status).toBe(201);
    // Validate alone takes the secret in its path, as its document shows.
    expect((await t.http().get(`/auth/validate/${combined}`)).status).toBe(200);
    const logout = await t
      .http()
      .post(`/auth/logout/${session.sid}`)
      .set('Cookie', `${SESSION_COOKIE}=${session.secret}`);
    expect(logout.status).toBe(201);
  });
});
