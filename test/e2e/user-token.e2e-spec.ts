import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { UserToken } from '../../src/user-store/entities/user-token.entity.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock } from '../support/clock.js';
import { userTokenFor } from '../support/credentials.js';
import { registerUser as registerTestUser, sql, uniqueName } from '../support/fixtures.js';

/**
 * The user-token API: POST /auth/login with Basic
 * credentials, POST /auth/bump and POST /auth/logout with `Authorization: Bearer <user token>`.
 */

const PASSWORD = 'correct-horse-battery';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const registerUser = (t: TestApp, username = uniqueName(), password = PASSWORD) =>
  registerTestUser(t, username, password);

function login(t: TestApp, authorization?: string, body?: object) {
  const req = t.http().post('/auth/login');
  if (authorization) req.set('Authorization', authorization);
  return body === undefined ? req : req.send(body);
}

function bump(t: TestApp, authorization?: string) {
  const req = t.http().post('/auth/bump');
  if (authorization) req.set('Authorization', authorization);
  return req;
}

function logout(t: TestApp, authorization?: string) {
  const req = t.http().post('/auth/logout');
  if (authorization) req.set('Authorization', authorization);
  return req;
}

const bearer = (token: string) => `Bearer ${token}`;

function varyIncludesAccept(res: Response): boolean {
  const vary = String(res.headers.vary ?? '');
  return vary
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .some((part) => part === 'accept' || part === '*');
}

function expectJsonSuccess(res: Response): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(varyIncludesAccept(res)).toBe(true);
}

function expectBasicChallenge(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Basic\b/);
  expect(res.text).not.toMatch(UUID_V4);
}

function expectBearerChallenge(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  expect(res.text).not.toMatch(/lastLoginTime|success/);
}

function expectBadRequest(res: Response, field?: RegExp): void {
  expect(res.status).toBe(400);
  expect(typeof res.body.message).toBe('string');
  if (field) expect(res.body.message).toMatch(field);
}

function tokenRepository(t: TestApp) {
  return t.db.getRepository(UserToken);
}

async function storedToken(t: TestApp, token: string): Promise<UserToken | null> {
  return tokenRepository(t).findOneBy({ tokenHash: sha256Hex(token) });
}

async function tokenCount(t: TestApp, userId: number): Promise<number> {
  return tokenRepository(t).countBy({ userId });
}

describe('User-token API: POST /auth/login', () => {
  let t: TestApp;
  let user: { username: string; password: string; id: number };
  beforeAll(async () => {
    t = await startTestApp();
    user = await registerUser(t, 'tokenuser');
  });
  afterAll(() => t.close());

  it('answers 200 with exactly {creationTime, enabled, token, version} and Vary: Accept', async () => {
    const before = Date.now();
    const res = await login(t, basic(user.username, user.password)).set(
      'Accept',
      'application/json',
    );
    const after = Date.now();
    expectJsonSuccess(res);
    expect(Object.keys(res.body).sort()).toEqual(['creationTime', 'enabled', 'token', 'version']);
    expect(res.body.enabled).toBe(true);
    expect(res.body.version).toBe(0);
    expect(res.body.token).toMatch(UUID_V4);
    expect(res.body.creationTime).toMatch(ISO_8601);
    const created = Date.parse(res.body.creationTime as string);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(after + 1000);
    expect(res.text).not.toContain(user.password);
    expect(res.text).not.toMatch(/\$2[aby]\$/);
  });

  it('logs in with the username in any case', async () => {
    const res = await login(t, basic('TOKENUSER', user.password));
    expectJsonSuccess(res);
    expect(res.body.token).toMatch(UUID_V4);
  });

  it('echoes note and expirationTime when they are given', async () => {
    const expiration = new Date(Date.now() + 86_400_000);
    // The document's own form: seconds and a numeric offset.
    const offset = new Date(expiration.getTime() - 5 * 3_600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, '-05:00');
    const res = await login(t, basic(user.username, user.password), {
      note: 'Client API Access',
      expirationTime: offset,
    });
    expectJsonSuccess(res);
    expect(Object.keys(res.body).sort()).toEqual([
      'creationTime',
      'enabled',
      'expirationTime',
      'note',
      'token',
      'version',
    ]);
    expect(res.body.note).toBe('Client API Access');
    expect(res.body.expirationTime).toMatch(ISO_8601);
    expect(Date.parse(res.body.expirationTime as string)).toBe(Date.parse(offset));
    expect(res.body).toMatchObject({ enabled: true, version: 0 });
    expect(res.body.token).toMatch(UUID_V4);
    const stored = await storedToken(t, res.body.token as string);
    expect(stored?.note).toBe('Client API Access');
    expect(stored?.expirationTime?.getTime()).toBe(Date.parse(offset));
  });

  it('echoes a note alone without inventing an expirationTime', async () => {
    const res = await login(t, basic(user.username, user.password), { note: 'CI' });
    expectJsonSuccess(res);
    expect(Object.keys(res.body).sort()).toEqual([
      'creationTime',
      'enabled',
      'note',
      'token',
      'version',
    ]);
    expect(res.body.note).toBe('CI');
  });

  it('accepts an empty JSON object as the body', async () => {
    const res = await login(t, basic(user.username, user.password), {});
    expectJsonSuccess(res);
    expect(Object.keys(res.body).sort()).toEqual(['creationTime', 'enabled', 'token', 'version']);
  });

  it.each([
    [
      'an expirationTime in the past',
      { expirationTime: '2019-07-29T23:59:59-05:00' },
      /expirationTime/,
    ],
    ['an expirationTime of now', { expirationTime: 'NOW' }, /expirationTime/],
    ['an expirationTime that is not a date', { expirationTime: 'tomorrow' }, /expirationTime/],
    ['an impossible date', { expirationTime: '2099-13-45T25:61:00Z' }, /expirationTime/],
    ['an expirationTime that is a number', { expirationTime: 4102444800 }, /expirationTime/],
    ['a note that is a number', { note: 5 }, /note/],
    ['a note that is an object', { note: { text: 'hi' } }, /note/],
    ['a note that is an array', { note: ['hi'] }, /note/],
  ])('refuses %s with 400 and issues no token', async (_, body, field) => {
    const payload =
      (body as { expirationTime?: unknown }).expirationTime === 'NOW'
        ? { expirationTime: new Date().toISOString() }
        : body;
    const before = await tokenCount(t, user.id);
    const res = await login(t, basic(user.username, user.password), payload);
    expectBadRequest(res, field);
    expect(res.text).not.toMatch(UUID_V4);
    expect(await tokenCount(t, user.id)).toBe(before);
  });

  it('refuses a body that is not valid JSON with a 400', async () => {
    const res = await login(t, basic(user.username, user.password))
      .set('Content-Type', 'application/json')
      .send('{"note":');
    expect(res.status).toBe(400);
  });

  it.each([
    ['a wrong password', () => basic('tokenuser', 'wrong-password')],
    ['an unknown user', () => basic('nobody-here', PASSWORD)],
    ['an empty password', () => basic('tokenuser', '')],
    ['credentials without a colon', () => `Basic ${Buffer.from('tokenuser').toString('base64')}`],
    ['garbage credentials', () => 'Basic !!!'],
  ])('refuses %s with 401 and a Basic challenge, issuing no token', async (_, authorization) => {
    const before = await tokenCount(t, user.id);
    expectBasicChallenge(await login(t, authorization()));
    expect(await tokenCount(t, user.id)).toBe(before);
  });

  it('treats a request without Basic credentials as the session login, issuing no token', async () => {
    const before = await tokenCount(t, user.id);
    const res = await login(t);
    expect(res.status).toBe(400);
    expect(res.body.responseInfo.responseCode).toBe('INVALIDDATA');
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(await tokenCount(t, user.id)).toBe(before);
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const unknown = await login(t, basic('nobody-at-all', 'wrong-password'));
    const wrong = await login(t, basic(user.username, 'wrong-password'));
    expect(unknown.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.text).toBe(wrong.text);
    expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
  });

  it('refuses a disabled user with 401', async () => {
    const disabled = await registerUser(t, uniqueName('disabled'));
    await t.db.getRepository(User).update({ id: disabled.id }, { enabled: false });
    expectBasicChallenge(await login(t, basic(disabled.username, disabled.password)));
    expect(await tokenCount(t, disabled.id)).toBe(0);
  });

  it('logs in a user whose password contains a colon', async () => {
    const colon = await registerUser(t, uniqueName('colon'), 'pass:word:1234');
    const res = await login(t, basic(colon.username, colon.password));
    expectJsonSuccess(res);
    expect(res.body.token).toMatch(UUID_V4);
  });

  it.each(['application/json', '*/*', 'application/*', 'text/html, application/json;q=0.5'])(
    'answers 200 to Accept: %s',
    async (accept) => {
      const res = await login(t, basic(user.username, user.password)).set('Accept', accept);
      expectJsonSuccess(res);
      expect(res.body.token).toMatch(UUID_V4);
    },
  );

  it('answers 200 with no Accept header', async () => {
    const res = await login(t, basic(user.username, user.password));
    const sent = (res as unknown as { req: { getHeader(name: string): unknown } }).req;
    expect(sent.getHeader('accept')).toBeUndefined();
    expectJsonSuccess(res);
  });

  it.each(['text/html', 'application/xml', 'application/json;q=0'])(
    'answers 406 to Accept: %s and issues no token',
    async (accept) => {
      const before = await tokenCount(t, user.id);
      const res = await login(t, basic(user.username, user.password)).set('Accept', accept);
      expect(res.status).toBe(406);
      expect(res.text).not.toMatch(UUID_V4);
      expect(await tokenCount(t, user.id)).toBe(before);
    },
  );

  it('stores only the SHA-256 hex of the token, never the token', async () => {
    const token = await userTokenFor(t, user, 'hash check');
    const rows = await sql(t, 'SELECT * FROM user_token WHERE "tokenHash" = $1', [
      sha256Hex(token),
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].tokenHash).toBe(sha256Hex(token));
    expect(Number(rows[0].userId)).toBe(user.id);
    const everything = JSON.stringify(await sql(t, 'SELECT * FROM user_token'));
    const users = JSON.stringify(await sql(t, 'SELECT * FROM "user"'));
    for (const form of [token, token.toUpperCase(), token.replace(/-/g, '')]) {
      expect(everything).not.toContain(form);
      expect(users).not.toContain(form);
    }
  });

  it('issues a different token on every login and stores what the response says', async () => {
    const first = await login(t, basic(user.username, user.password));
    const second = await login(t, basic(user.username, user.password));
    expect(first.body.token).not.toBe(second.body.token);
    const stored = await storedToken(t, first.body.token as string);
    expect(stored).not.toBeNull();
    expect(stored!.userId).toBe(user.id);
    expect(stored!.enabled).toBe(true);
    expect(stored!.version).toBe(0);
    expect(stored!.note).toBeNull();
    expect(stored!.expirationTime).toBeNull();
    expect(stored!.lastUsageTime).toBeNull();
    expect(stored!.creationTime.toISOString()).toBe(first.body.creationTime);
  });
});

describe('User-token API: POST /auth/bump and POST /auth/logout', () => {
  let t: TestApp;
  let user: { username: string; password: string; id: number };
  beforeAll(async () => {
    t = await startTestApp();
    user = await registerUser(t, 'bumper');
  });
  afterAll(() => t.close());

  it("bump answers exactly {lastLoginTime}, now, and stores it as the user's lastLoginTime", async () => {
    const token = await userTokenFor(t, user);
    const before = Date.now();
    const res = await bump(t, bearer(token)).set('Accept', 'application/json');
    const after = Date.now();
    expectJsonSuccess(res);
    expect(Object.keys(res.body)).toEqual(['lastLoginTime']);
    expect(res.body.lastLoginTime).toMatch(ISO_8601);
    const bumped = Date.parse(res.body.lastLoginTime as string);
    expect(bumped).toBeGreaterThanOrEqual(before - 1000);
    expect(bumped).toBeLessThanOrEqual(after + 1000);
    expect(res.text).not.toContain(token);
    const stored = await t.db.getRepository(User).findOneBy({ id: user.id });
    expect(stored?.lastLoginTime?.getTime()).toBe(bumped);
  });

  it('bump moves lastLoginTime forward each time', async () => {
    const token = await userTokenFor(t, user);
    const first = await bump(t, bearer(token));
    await sleep(20);
    const second = await bump(t, bearer(token));
    expectJsonSuccess(second);
    expect(Date.parse(second.body.lastLoginTime as string)).toBeGreaterThan(
      Date.parse(first.body.lastLoginTime as string),
    );
  });

  it('records lastUsageTime: null after login, set when the token is used', async () => {
    const token = await userTokenFor(t, user);
    expect((await storedToken(t, token))?.lastUsageTime).toBeNull();
    const before = Date.now();
    expectJsonSuccess(await bump(t, bearer(token)));
    const after = Date.now();
    const used = (await storedToken(t, token))?.lastUsageTime;
    expect(used).toBeInstanceOf(Date);
    expect(used!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(used!.getTime()).toBeLessThanOrEqual(after + 1000);
  });

  it('accepts the Bearer scheme in any case', async () => {
    const token = await userTokenFor(t, user);
    expectJsonSuccess(await bump(t, `bearer ${token}`));
    expectJsonSuccess(await bump(t, `BEARER ${token}`));
  });

  it('answers 406 to Accept: text/html on bump and logout, and the token stays', async () => {
    const token = await userTokenFor(t, user);
    expect((await bump(t, bearer(token)).set('Accept', 'text/html')).status).toBe(406);
    expect((await logout(t, bearer(token)).set('Accept', 'text/html')).status).toBe(406);
    expect(await storedToken(t, token)).not.toBeNull();
    expectJsonSuccess(await bump(t, bearer(token)));
  });

  it('logout answers exactly {"success":true}, removes the token, and it is dead after', async () => {
    const token = await userTokenFor(t, user);
    const other = await userTokenFor(t, user);
    const res = await logout(t, bearer(token)).set('Accept', 'application/json');
    expectJsonSuccess(res);
    expect(res.text).toBe('{"success":true}');
    expect(await storedToken(t, token)).toBeNull();
    expectBearerChallenge(await bump(t, bearer(token)));
    expectBearerChallenge(await logout(t, bearer(token)));
    // The user's other tokens are untouched.
    expect(await storedToken(t, other)).not.toBeNull();
    expectJsonSuccess(await bump(t, bearer(other)));
  });

  it.each([
    ['no Authorization header', () => undefined],
    ['an unknown token', () => bearer(randomUUID())],
    ['a token that is not a UUID', () => bearer('not-a-token')],
    ['an empty Bearer header', () => 'Bearer '],
    ['Basic credentials', () => basic('bumper', PASSWORD)],
    ['a token sent as Basic username', () => basic(randomUUID(), 'x')],
  ])('answers 401 with a Bearer challenge to %s', async (_, authorization) => {
    expectBearerChallenge(await bump(t, authorization()));
    expectBearerChallenge(await logout(t, authorization()));
  });

  it('does not accept the token from the query string or the body', async () => {
    const token = await userTokenFor(t, user);
    expectBearerChallenge(await bump(t).query({ access_token: token }));
    expectBearerChallenge(await logout(t).query({ access_token: token }));
    expectBearerChallenge(await bump(t).send({ access_token: token }));
    expectBearerChallenge(await logout(t).send({ access_token: token }));
    expect(await storedToken(t, token)).not.toBeNull();
    expect((await storedToken(t, token))?.lastUsageTime).toBeNull();
  });

  it('refuses a token whose expirationTime has passed', async () => {
    const token = await userTokenFor(
      t,
      user,
      undefined,
      new Date(Date.now() + 86_400_000).toISOString(),
    );
    expectJsonSuccess(await bump(t, bearer(token)));
    await tokenRepository(t).update(
      { tokenHash: sha256Hex(token) },
      { expirationTime: new Date(Date.now() - 1000) },
    );
    expectBearerChallenge(await bump(t, bearer(token)));
    expectBearerChallenge(await logout(t, bearer(token)));
  });

  it('refuses a token once its expirationTime arrives, without outside help', async () => {
    const clock = controlClock(t);
    try {
      const token = await userTokenFor(
        t,
        user,
        undefined,
        new Date(clock.nowMs() + 1500).toISOString(),
      );
      expectJsonSuccess(await bump(t, bearer(token)));
      clock.advance(1700);
      expectBearerChallenge(await bump(t, bearer(token)));
    } finally {
      clock.restore();
    }
  });

  it('refuses a disabled token, and only that one', async () => {
    const token = await userTokenFor(t, user);
    const other = await userTokenFor(t, user);
    await tokenRepository(t).update({ tokenHash: sha256Hex(token) }, { enabled: false });
    expectBearerChallenge(await bump(t, bearer(token)));
    expectBearerChallenge(await logout(t, bearer(token)));
    expectJsonSuccess(await bump(t, bearer(other)));
  });

  it("refuses every token of a disabled user, and the user's login", async () => {
    const disabled = await registerUser(t, uniqueName('disabled'));
    const first = await userTokenFor(t, disabled);
    const second = await userTokenFor(t, disabled);
    expectJsonSuccess(await bump(t, bearer(first)));
    await t.db.getRepository(User).update({ id: disabled.id }, { enabled: false });
    for (const token of [first, second]) {
      expectBearerChallenge(await bump(t, bearer(token)));
      expectBearerChallenge(await logout(t, bearer(token)));
    }
    expectBasicChallenge(await login(t, basic(disabled.username, disabled.password)));
  });

  it("one user's token acts for that user only", async () => {
    const other = await registerUser(t, uniqueName('other'));
    const token = await userTokenFor(t, other);
    const res = await bump(t, bearer(token));
    expectJsonSuccess(res);
    const stored = await t.db.getRepository(User).findOneBy({ id: other.id });
    expect(stored?.lastLoginTime?.toISOString()).toBe(res.body.lastLoginTime);
    const mine = await t.db.getRepository(User).findOneBy({ id: user.id });
    expect(mine?.lastLoginTime?.toISOString()).not.toBe(res.body.lastLoginTime);
  });
});
