import {
  createHash,
  generateKeyPair,
  randomBytes,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcrypt';
import type { Response } from 'supertest';
import { newSessionSecret } from '../../src/credentials/sessions/sessions.service.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock } from '../support/clock.js';
import { registerUser as registerTestUser, sql, uniqueName } from '../support/fixtures.js';

/**
 * The session API: POST /auth/login (JSON form), the SSO
 * logins, POST /auth/loginwithrsa, GET /auth/validate/{sid}, POST /auth/logout/{sid}, and the
 * password endpoints (hashpassword, matchpassword, globalprefix), black-box through HTTP, with
 * a look at what was stored.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'session-admin', password: 'admin-password-1' };
const COOKIE = 'GCN_SESSION_SECRET';
const SECRET_HEX = /^[0-9a-f]{64}$/;
const SID = /^[1-9][0-9]*$/;
const RESPONSE_CODES = ['OK', 'NOTFOUND', 'INVALIDDATA', 'FAILURE', 'PERMISSION', 'AUTHREQUIRED'];
const MESSAGE_TYPES = ['SUCCESS', 'INFO', 'WARNING', 'CRITICAL', 'NEUTRAL'];
const USER_KEYS = ['description', 'email', 'firstName', 'groups', 'id', 'lastName', 'login'];
const TEN_MINUTES = 10 * 60 * 1000;
/** Now, in the seconds since the epoch that loginwithrsa's expirationTimestamp is in. */
const nowSeconds = () => Math.floor(Date.now() / 1000);

type ResponseCode = 'OK' | 'NOTFOUND' | 'INVALIDDATA' | 'FAILURE' | 'PERMISSION' | 'AUTHREQUIRED';

/** The session API's answers in the original's words. */
const WRONG_CREDENTIALS = 'Did not find a user with given credentials';
const INVALID_SID = 'Invalid SID given';
const VALIDATED = 'Successfully validated given SID';
const LOGGED_IN = 'Successfully performed login';
const LOGGED_OUT = 'Successfully logged out';
const HASHED = 'Successfully hashed password';

interface Registered {
  id: number;
  username: string;
  password: string;
}

interface Session {
  sid: string;
  secret: string;
}

interface GroupTree {
  id: number;
  name: string;
  description: string | null;
  children: GroupTree[];
}

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const randomSecret = () => randomBytes(32).toString('hex');
const generateRsaKeyPair = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
const spkiPem = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();

const registerUser = (
  t: TestApp,
  profile: Record<string, string> = {},
  username = uniqueName('session'),
): Promise<Registered> => registerTestUser(t, username, PASSWORD, profile);

async function disable(t: TestApp, userId: number): Promise<void> {
  await t.db.getRepository(User).update({ id: userId }, { enabled: false });
}

// ---------------------------------------------------------------------------------------------
// Cookies

interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flags are `true`. */
  attributes: Record<string, string | true>;
}

function setCookies(res: Response): SetCookie[] {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => {
    const [pair, ...parts] = line.split(';').map((part) => part.trim());
    const equals = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const part of parts) {
      const at = part.indexOf('=');
      if (at === -1) attributes[part.toLowerCase()] = true;
      else attributes[part.slice(0, at).toLowerCase()] = part.slice(at + 1);
    }
    return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes };
  });
}

/** The one session cookie a login set: HttpOnly, SameSite=Lax, Path=/, Secure only when asked. */
function expectSessionCookie(res: Response, name = COOKIE, secure = false): string {
  const cookies = setCookies(res);
  expect(cookies.map((cookie) => cookie.name)).toEqual([name]);
  const [cookie] = cookies;
  expect(cookie.value).toMatch(SECRET_HEX);
  expect(cookie.attributes.httponly).toBe(true);
  expect(String(cookie.attributes.samesite).toLowerCase()).toBe('lax');
  expect(cookie.attributes.path).toBe('/');
  expect(cookie.attributes.secure === true).toBe(secure);
  return cookie.value;
}

function expectClearedCookie(res: Response, name = COOKIE): void {
  const cookie = setCookies(res).find((candidate) => candidate.name === name);
  expect(cookie).toBeDefined();
  expect(cookie!.value).toBe('');
  expect(cookie!.attributes['max-age']).toBe('0');
  expect(cookie!.attributes.path).toBe('/');
}

// ---------------------------------------------------------------------------------------------
// The GenericResponse envelope

function expectMessages(messages: unknown): void {
  expect(Array.isArray(messages)).toBe(true);
  for (const message of messages as Record<string, unknown>[]) {
    expect(Object.keys(message).sort()).toEqual([
      'fieldName',
      'id',
      'message',
      'timestamp',
      'type',
    ]);
    expect(typeof message.fieldName).toBe('string');
    expect(typeof message.message).toBe('string');
    expect(MESSAGE_TYPES).toContain(message.type);
    expect(typeof message.timestamp).toBe('number');
    expect(typeof message.id).toBe('number');
  }
}

/**
 * A session-API answer: the status, JSON, exactly `keys` besides `messages` and `responseInfo`,
 * and the response code; with `field`, a message names that field.
 */
function expectEnvelope(
  res: Response,
  status: number,
  code: ResponseCode,
  options: { keys?: string[]; field?: string } = {},
): void {
  expect({ status: res.status, code: res.body?.responseInfo?.responseCode }).toEqual({
    status,
    code,
  });
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body).sort()).toEqual(
    [...(options.keys ?? []), 'messages', 'responseInfo'].sort(),
  );
  expectMessages(res.body.messages);
  expect(Object.keys(res.body.responseInfo).sort()).toEqual([
    'property',
    'responseCode',
    'responseMessage',
  ]);
  expect(RESPONSE_CODES).toContain(res.body.responseInfo.responseCode);
  expect(typeof res.body.responseInfo.responseMessage).toBe('string');
  expect(typeof res.body.responseInfo.property).toBe('string');
  if (options.field) {
    const fields = (res.body.messages as { fieldName: string }[]).map((m) => m.fieldName);
    expect(fields).toContain(options.field);
  }
}

/** A failure answer: the envelope without a user, sid or hash (a NOTFOUND may carry `user: null`). */
function expectFailure(res: Response, status: number, code: ResponseCode, field?: string): void {
  const keys = 'user' in (res.body ?? {}) ? ['user'] : [];
  expectEnvelope(res, status, code, { keys, field });
  expect(res.body.user ?? null).toBeNull();
}

/** The body without what differs on every answer (each message's timestamp and id). */
function normalized(body: { messages?: Record<string, unknown>[] }): unknown {
  return {
    ...body,
    messages: (body.messages ?? []).map((message) => ({ ...message, timestamp: 0, id: 0 })),
  };
}

/** The session API's User: the profile, the group tree, the login; never a password or hash. */
function expectSessionUser(user: Record<string, unknown>, expected: Record<string, unknown>): void {
  expect(Object.keys(user).sort()).toEqual(USER_KEYS);
  expect(user).toEqual({
    firstName: null,
    lastName: null,
    description: null,
    email: null,
    groups: [],
    ...expected,
  });
  expect(JSON.stringify(user)).not.toMatch(/\$2[aby]\$|password/i);
}

// ---------------------------------------------------------------------------------------------
// Requests

function sessionLogin(
  t: TestApp,
  body?: unknown,
  options: { sid?: string; cookie?: string; cookieName?: string } = {},
) {
  const req = t.http().post('/auth/login');
  if (options.sid !== undefined) req.query({ sid: options.sid });
  if (options.cookie !== undefined)
    req.set('Cookie', `${options.cookieName ?? COOKIE}=${options.cookie}`);
  return body === undefined ? req : req.send(body as object);
}

async function loginSession(
  t: TestApp,
  user: { username: string; password: string },
  cookie: { name: string; secure: boolean } = { name: COOKIE, secure: false },
): Promise<Session & { res: Response }> {
  const res = await sessionLogin(t, { login: user.username, password: user.password });
  expect(res.status).toBe(201);
  expect(res.body.sid).toMatch(SID);
  const secret = expectSessionCookie(res, cookie.name, cookie.secure);
  return { sid: res.body.sid as string, secret, res };
}

function validate(t: TestApp, path: string, cookie?: string, cookieName = COOKIE) {
  const req = t.http().get(`/auth/validate/${path}`);
  if (cookie !== undefined) req.set('Cookie', `${cookieName}=${cookie}`);
  return req;
}

async function expectLive(t: TestApp, session: Session, userId: number): Promise<void> {
  const res = await validate(t, `${session.sid}${session.secret}`);
  expect(res.status).toBe(200);
  expect(res.body.user.id).toBe(userId);
}

async function expectDead(t: TestApp, session: Session): Promise<void> {
  const res = await validate(t, `${session.sid}${session.secret}`);
  expectFailure(res, 404, 'NOTFOUND');
}

function logout(t: TestApp, sid: string, cookie?: string, allSessions?: string) {
  const req = t.http().post(`/auth/logout/${sid}`);
  if (allSessions !== undefined) req.query({ allSessions });
  if (cookie !== undefined) req.set('Cookie', `${COOKIE}=${cookie}`);
  return req;
}

function hashPassword(t: TestApp, session: Partial<Session>, body: unknown, cookieName = COOKIE) {
  const req = t.http().post('/auth/hashpassword');
  if (session.sid !== undefined) req.query({ sid: session.sid });
  if (session.secret !== undefined) req.set('Cookie', `${cookieName}=${session.secret}`);
  return req.send(body as object);
}

function matchPassword(t: TestApp, session: Partial<Session>, body: unknown) {
  const req = t.http().post('/auth/matchpassword');
  if (session.sid !== undefined) req.query({ sid: session.sid });
  if (session.secret !== undefined) req.set('Cookie', `${COOKIE}=${session.secret}`);
  return req.send(body as object);
}

/**
 * A loginwithrsa body, signed over `username:salt:<signed>`: the expirationTimestamp sent (in
 * seconds, a minute ahead, unless given), or other digits for the same instant.
 */
function rsaLoginBody(
  username: string,
  privateKey: KeyObject,
  options: { salt?: string; expirationTimestamp?: number; signed?: number } = {},
) {
  const salt = options.salt ?? randomUUID();
  const expirationTimestamp = options.expirationTimestamp ?? nowSeconds() + 60;
  const rsaSignature = sign(
    'sha256',
    Buffer.from(`${username}:${salt}:${options.signed ?? expirationTimestamp}`, 'utf8'),
    privateKey,
  ).toString('base64');
  return { username, salt, expirationTimestamp, rsaSignature };
}

function rsaLogin(t: TestApp, body: unknown) {
  return t
    .http()
    .post('/auth/loginwithrsa')
    .send(body as object);
}

function ssoLogin(
  t: TestApp,
  path: '/auth/login' | '/auth/ssologin',
  headers: Record<string, string>,
) {
  const req = t.http().get(path);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req;
}

/** An SSO answer: 200 text/plain with a sid, and the session cookie. */
function expectSsoAnswer(res: Response, sid: RegExp): void {
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(sid);
}

/**
 * An SSO refusal, whatever its reason: text/plain NOTFOUND, as the original answers, at `status`
 * (401, or 200 with SESSION_API_HTTP_STATUS=original), and no cookie.
 */
function expectSsoRefused(res: Response, status = 401): void {
  expect({ status: res.status, text: res.text }).toEqual({ status, text: 'NOTFOUND' });
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.headers['set-cookie']).toBeUndefined();
}

async function sessionCount(t: TestApp, userId: number): Promise<number> {
  const rows = await sql(t, 'SELECT COUNT(*) AS n FROM "session" WHERE "userId" = $1', [userId]);
  return Number(rows[0].n);
}

async function insertGroup(
  t: TestApp,
  name: string,
  description: string | null,
  parentId: number | null,
): Promise<number> {
  await sql(t, 'INSERT INTO "group" ("name", "description", "parentId") VALUES ($1, $2, $3)', [
    name,
    description,
    parentId,
  ]);
  const rows = await sql(t, 'SELECT "id" FROM "group" WHERE "name" = $1', [name]);
  return Number(rows[0].id);
}

async function joinGroup(t: TestApp, userId: number, groupId: number): Promise<void> {
  await sql(t, 'INSERT INTO "user_group" ("userId", "groupId") VALUES ($1, $2)', [userId, groupId]);
}

// =============================================================================================

describe('Session API', () => {
  let t: TestApp;
  let alice: Registered;
  let bob: Registered;
  let aliceProfile: Record<string, unknown>;
  let aliceGroups: GroupTree[];

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      SSO_TRUSTED_PROXIES: '127.0.0.1',
      PASSWORD_OPS_PER_MINUTE: '10000',
    });
    const profile = {
      firstName: 'Alice',
      lastName: 'Liddell',
      email: 'alice@example.com',
      description: 'Curious',
    };
    alice = await registerUser(t, profile, uniqueName('Alice'));
    bob = await registerUser(t, {}, uniqueName('bob'));
    const parent = await insertGroup(t, 'engineering', 'All engineers', null);
    const child = await insertGroup(t, 'backend', 'Server people', parent);
    const grandchild = await insertGroup(t, 'databases', null, child);
    const readers = await insertGroup(t, 'readers', 'Read-only', null);
    await insertGroup(t, 'sales', 'Not Alice', null);
    await joinGroup(t, alice.id, parent);
    await joinGroup(t, alice.id, readers);
    aliceGroups = [
      {
        id: parent,
        name: 'engineering',
        description: 'All engineers',
        children: [
          {
            id: child,
            name: 'backend',
            description: 'Server people',
            children: [{ id: grandchild, name: 'databases', description: null, children: [] }],
          },
        ],
      },
      { id: readers, name: 'readers', description: 'Read-only', children: [] },
    ];
    aliceProfile = { id: alice.id, login: alice.username, ...profile, groups: aliceGroups };
  });
  afterAll(() => t.close());

  /** The user as the session API shows it, groups in id order so that comparing is exact. */
  function withSortedGroups(user: Record<string, unknown>): Record<string, unknown> {
    const groups = [...(user.groups as GroupTree[])].sort((a, b) => a.id - b.id);
    return { ...user, groups };
  }

  describe('POST /auth/login (JSON credentials)', () => {
    it('answers 201 with exactly {sid, user, messages, responseInfo} and the secret cookie', async () => {
      const res = await sessionLogin(t, { login: alice.username, password: PASSWORD });
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.sid).toMatch(SID);
      expectSessionUser(withSortedGroups(res.body.user), aliceProfile);
      const secret = expectSessionCookie(res);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(PASSWORD);
      await expectLive(t, { sid: res.body.sid, secret }, alice.id);
    });

    it('shows a user without profile or groups with nulls and an empty group list', async () => {
      const res = await sessionLogin(t, { login: bob.username, password: PASSWORD });
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expectSessionUser(res.body.user, { id: bob.id, login: bob.username });
      expectSessionCookie(res);
    });

    it('logs in with the login in another case', async () => {
      const res = await sessionLogin(t, {
        login: alice.username.toUpperCase(),
        password: PASSWORD,
      });
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.user.login).toBe(alice.username);
      expectSessionCookie(res);
    });

    it('opens a new session with a new sid and secret on every login', async () => {
      const first = await loginSession(t, alice);
      const second = await loginSession(t, alice);
      expect(second.sid).not.toBe(first.sid);
      expect(second.secret).not.toBe(first.secret);
      await expectLive(t, first, alice.id);
      await expectLive(t, second, alice.id);
    });

    it('re-uses session N for ?sid=N with its cookie: the same sid and no new cookie', async () => {
      const session = await loginSession(t, alice);
      const before = await sessionCount(t, alice.id);
      const res = await sessionLogin(
        t,
        { login: alice.username, password: PASSWORD },
        { sid: session.sid, cookie: session.secret },
      );
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.responseInfo.responseMessage).toBe(LOGGED_IN);
      expect(res.body.sid).toBe(session.sid);
      expect(res.headers['set-cookie']).toBeUndefined();
      expectSessionUser(withSortedGroups(res.body.user), aliceProfile);
      expect(await sessionCount(t, alice.id)).toBe(before);
      await expectLive(t, session, alice.id);
    });

    it('opens a new session for ?sid=N with a cookie that is not its secret', async () => {
      const session = await loginSession(t, alice);
      const res = await sessionLogin(
        t,
        { login: alice.username, password: PASSWORD },
        { sid: session.sid, cookie: randomSecret() },
      );
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.sid).not.toBe(session.sid);
      const secret = expectSessionCookie(res);
      await expectLive(t, { sid: res.body.sid, secret }, alice.id);
      await expectLive(t, session, alice.id);
    });

    it("opens a new session for ?sid=N when N is another user's session", async () => {
      const bobs = await loginSession(t, bob);
      const res = await sessionLogin(
        t,
        { login: alice.username, password: PASSWORD },
        { sid: bobs.sid, cookie: bobs.secret },
      );
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.sid).not.toBe(bobs.sid);
      expect(res.body.user.id).toBe(alice.id);
      const secret = expectSessionCookie(res);
      await expectLive(t, { sid: res.body.sid, secret }, alice.id);
      await expectLive(t, bobs, bob.id);
    });

    it('refuses a wrong password even with a live ?sid= and cookie', async () => {
      const session = await loginSession(t, alice);
      const res = await sessionLogin(
        t,
        { login: alice.username, password: 'wrong-password' },
        { sid: session.sid, cookie: session.secret },
      );
      expectFailure(res, 401, 'NOTFOUND');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('answers a wrong password, an unknown user and a disabled user identically: 401 NOTFOUND in the original words', async () => {
      const disabled = await registerUser(t, {}, uniqueName('disabled'));
      await disable(t, disabled.id);
      const before = await sessionCount(t, alice.id);
      const answers = [
        await sessionLogin(t, { login: alice.username, password: 'wrong-password' }),
        await sessionLogin(t, { login: 'nobody-at-all', password: PASSWORD }),
        await sessionLogin(t, { login: disabled.username, password: PASSWORD }),
      ];
      for (const res of answers) {
        expectFailure(res, 401, 'NOTFOUND');
        expect(res.body.responseInfo.responseMessage).toBe(WRONG_CREDENTIALS);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(normalized(res.body)).toEqual(normalized(answers[0].body));
      }
      expect(await sessionCount(t, alice.id)).toBe(before);
      expect(await sessionCount(t, disabled.id)).toBe(0);
    });

    it.each([
      ['no login', { password: PASSWORD }, 'login'],
      ['no password', { login: 'someone' }, 'password'],
      ['an empty login', { login: '', password: PASSWORD }, 'login'],
      ['an empty password', { login: 'someone', password: '' }, 'password'],
      ['a numeric login', { login: 42, password: PASSWORD }, 'login'],
      ['a null login', { login: null, password: PASSWORD }, 'login'],
      ['an object as login', { login: { name: 'x' }, password: PASSWORD }, 'login'],
      ['a numeric password', { login: 'someone', password: 12345678 }, 'password'],
      ['an array as password', { login: 'someone', password: [PASSWORD] }, 'password'],
    ])('refuses %s with 400 INVALIDDATA naming the field', async (_, body, field) => {
      const res = await sessionLogin(t, body);
      expectFailure(res, 400, 'INVALIDDATA', field);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('refuses a request without a body with 400 INVALIDDATA naming login and password', async () => {
      const res = await sessionLogin(t);
      expectFailure(res, 400, 'INVALIDDATA', 'login');
      expectFailure(res, 400, 'INVALIDDATA', 'password');
    });

    it('refuses a body that is not valid JSON with 400 INVALIDDATA naming the body', async () => {
      const res = await sessionLogin(t).set('Content-Type', 'application/json').send('{"login":');
      expectFailure(res, 400, 'INVALIDDATA', 'body');
    });

    it('leaves exactly one session of the user after a login, and none after its logout', async () => {
      const user = await registerUser(t, {}, uniqueName('one-session'));
      expect(await sessionCount(t, user.id)).toBe(0);
      const session = await loginSession(t, user);
      expect(await sessionCount(t, user.id)).toBe(1);
      await expectLive(t, session, user.id);
      expectEnvelope(await logout(t, session.sid, session.secret), 201, 'OK');
      expect(await sessionCount(t, user.id)).toBe(0);
    });

    it('is the user-token login with a Basic header, and the session login without one', async () => {
      const token = await t
        .http()
        .post('/auth/login')
        .set('Authorization', basic(bob.username, PASSWORD));
      expect(token.status).toBe(200);
      expect(Object.keys(token.body).sort()).toEqual([
        'creationTime',
        'enabled',
        'token',
        'version',
      ]);
      expect(token.headers['set-cookie']).toBeUndefined();

      const session = await sessionLogin(t, { login: bob.username, password: PASSWORD });
      expectEnvelope(session, 201, 'OK', { keys: ['sid', 'user'] });
      expectSessionCookie(session);
      expect(session.body.token).toBeUndefined();
    });

    it('never falls back to the session form when Basic credentials are wrong', async () => {
      const before = await sessionCount(t, bob.id);
      const res = await t
        .http()
        .post('/auth/login')
        .set('Authorization', basic(bob.username, 'wrong-password'))
        .send({ login: bob.username, password: PASSWORD });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic\b/);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body.sid).toBeUndefined();
      expect(await sessionCount(t, bob.id)).toBe(before);
    });

    it('shows both request shapes and both answers on the one operation of /docs-json', async () => {
      const res = await t.http().get('/docs-json');
      expect(res.status).toBe(200);
      const operation = res.body.paths['/auth/login']?.post;
      expect(operation).toBeDefined();
      const schema = operation.requestBody.content['application/json'].schema;
      // anyOf, not oneOf: a session body is a valid user-token body too (unknown fields are dropped).
      const refs = (schema.anyOf as { $ref: string }[]).map((entry) => entry.$ref).sort();
      expect(refs).toEqual([
        '#/components/schemas/CreateUserTokenDto',
        '#/components/schemas/LoginRequestDto',
      ]);
      const loginRequest = res.body.components.schemas.LoginRequestDto;
      // otp: the second-factor code of a user who has one on, never required.
      expect(Object.keys(loginRequest.properties).sort()).toEqual(['login', 'otp', 'password']);
      expect([...(loginRequest.required as string[])].sort()).toEqual(['login', 'password']);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '201']));
      expect(JSON.stringify(operation.responses['200'])).toContain('UserTokenDto');
      expect(JSON.stringify(operation.responses['201'])).toContain('LoginResponseDto');
      const loginResponse = res.body.components.schemas.LoginResponseDto;
      expect(JSON.stringify(loginResponse)).toMatch(/sid/);
    });
  });

  describe('GET /auth/validate/{sid}', () => {
    let session: Session;
    /** What every NOTFOUND looks like, whatever part of the credential was wrong. */
    let notFound: unknown;

    beforeAll(async () => {
      session = await loginSession(t, alice);
      const res = await validate(t, `${session.sid}${randomSecret()}`);
      expectFailure(res, 404, 'NOTFOUND');
      notFound = normalized(res.body);
    });

    function expectNotFound(res: Response): void {
      expectFailure(res, 404, 'NOTFOUND');
      expect(normalized(res.body)).toEqual(notFound);
    }

    it('answers 200 with exactly {user, messages, responseInfo} for the sid followed by its secret', async () => {
      const res = await validate(t, `${session.sid}${session.secret}`);
      expectEnvelope(res, 200, 'OK', { keys: ['user'] });
      expect(res.body.responseInfo.responseMessage).toBe(VALIDATED);
      const user = withSortedGroups(res.body.user);
      expectSessionUser(user, aliceProfile);
      expect((user.groups as GroupTree[])[0].children[0].children[0].name).toBe('databases');
      expect(res.text).not.toContain(session.secret);
    });

    it('answers 200 for the bare sid with the secret in the cookie', async () => {
      const res = await validate(t, session.sid, session.secret);
      expectEnvelope(res, 200, 'OK', { keys: ['user'] });
      expectSessionUser(withSortedGroups(res.body.user), aliceProfile);
    });

    it('shows a change to the groups at once, whoever writes it: joined, a subgroup, renamed, left', async () => {
      const carol = await registerUser(t, {}, uniqueName('carol'));
      const own = await loginSession(t, carol);
      const groups = async () => {
        const res = await validate(t, `${own.sid}${own.secret}`);
        expect(res.status).toBe(200);
        return res.body.user.groups as GroupTree[];
      };
      expect(await groups()).toEqual([]);
      const ops = await insertGroup(t, uniqueName('ops'), null, null);
      await joinGroup(t, carol.id, ops);
      expect((await groups()).map(({ id }) => id)).toEqual([ops]);
      const pager = await insertGroup(t, uniqueName('pager'), 'On call', ops);
      expect((await groups())[0].children.map(({ id }) => id)).toEqual([pager]);
      const renamed = uniqueName('operations');
      await sql(t, 'UPDATE "group" SET "name" = $1 WHERE "id" = $2', [renamed, ops]);
      expect((await groups())[0].name).toBe(renamed);
      await sql(t, 'DELETE FROM "user_group" WHERE "userId" = $1', [carol.id]);
      expect(await groups()).toEqual([]);
    });

    it.each([
      ['the sid with a wrong secret', (s: Session) => [`${s.sid}${randomSecret()}`]],
      ['the bare sid with a wrong cookie', (s: Session) => [s.sid, randomSecret()]],
      ['an unknown sid', (s: Session) => [`2147483000${s.secret}`]],
      ['an unknown bare sid with the cookie', (s: Session) => ['2147483000', s.secret]],
      // Read as the sid followed by its secret: a digit more makes it another sid.
      ['a digit too many, read as another sid', (s: Session) => [`${s.sid}7${s.secret}`]],
    ])('answers 404 NOTFOUND, saying nothing more, to %s', async (_, credential) => {
      const [path, cookie] = credential(session);
      expectNotFound(await validate(t, path, cookie));
      await expectLive(t, session, alice.id);
    });

    it.each([
      ['the bare sid without a cookie', (s: Session) => [s.sid]],
      ['sid 0', (s: Session) => [`0${s.secret}`]],
      ['sid 0 with the cookie', (s: Session) => ['0', s.secret]],
      ['a negative sid', (s: Session) => [`-${s.sid}`, s.secret]],
      ['a non-numeric sid', (s: Session) => ['abc', s.secret]],
      ['a sid with leading zeros', (s: Session) => [`00${s.sid}${s.secret}`]],
      ['a sid too long', (s: Session) => [`${'9'.repeat(11)}${s.secret}`]],
      ['a sid beyond 32 bits', (s: Session) => [`4294967296${s.secret}`]],
      // The secret is the last 64 characters and what precedes them must be all digits (a secret
      // one short reads as a shorter sid followed by a secret: well-formed, so a 404).
      ['one character too many, a letter after the sid', (s: Session) => [`${s.sid}a${s.secret}`]],
      ['a character that is not hex', (s: Session) => [`${s.sid}${s.secret.slice(1)}g`]],
      ['a cookie one short', (s: Session) => [s.sid, s.secret.slice(0, 63)]],
      ['an upper-case secret', (s: Session) => [`${s.sid}${s.secret.toUpperCase()}`]],
      ['an upper-case cookie', (s: Session) => [s.sid, s.secret.toUpperCase()]],
    ])('answers 400 INVALIDDATA "Invalid SID given" to %s', async (_, credential) => {
      const [path, cookie] = credential(session);
      const res = await validate(t, path, cookie);
      expectFailure(res, 400, 'INVALIDDATA', 'sid');
      expect(res.body.responseInfo.responseMessage).toBe(INVALID_SID);
      await expectLive(t, session, alice.id);
    });

    it("answers 404 to a sid with another live session's secret", async () => {
      const other = await loginSession(t, alice);
      expectNotFound(await validate(t, `${session.sid}${other.secret}`));
      expectNotFound(await validate(t, session.sid, other.secret));
    });

    it('answers 404 after logout', async () => {
      const ended = await loginSession(t, alice);
      expect((await logout(t, ended.sid, ended.secret)).status).toBe(201);
      expectNotFound(await validate(t, `${ended.sid}${ended.secret}`));
      expectNotFound(await validate(t, ended.sid, ended.secret));
    });

    it("answers 404 for every session of a disabled user, from the moment they're disabled", async () => {
      const user = await registerUser(t, {}, uniqueName('to-disable'));
      const first = await loginSession(t, user);
      const second = await loginSession(t, user);
      await expectLive(t, first, user.id);
      await disable(t, user.id);
      expectNotFound(await validate(t, `${first.sid}${first.secret}`));
      expectNotFound(await validate(t, second.sid, second.secret));
    });

    it("answers 404 once the user's password has changed since the session began", async () => {
      const user = await registerUser(t, {}, uniqueName('changer'));
      const before = await loginSession(t, user);
      await expectLive(t, before, user.id);
      await t.db
        .getRepository(User)
        .update({ id: user.id }, { credentialsChangedAt: new Date(Date.now() + 1500) });
      expectNotFound(await validate(t, `${before.sid}${before.secret}`));
    });
  });

  describe('POST /auth/logout/{sid}', () => {
    it('ends that session only (allSessions=false), answers 201 OK and clears the cookie', async () => {
      const ending = await loginSession(t, alice);
      const staying = await loginSession(t, alice);
      const res = await logout(t, ending.sid, ending.secret, 'false');
      expectEnvelope(res, 201, 'OK');
      expectClearedCookie(res);
      await expectDead(t, ending);
      await expectLive(t, staying, alice.id);
    });

    it('ends that session only when allSessions is left out', async () => {
      const ending = await loginSession(t, alice);
      const staying = await loginSession(t, alice);
      expectEnvelope(await logout(t, ending.sid, ending.secret), 201, 'OK');
      await expectDead(t, ending);
      await expectLive(t, staying, alice.id);
    });

    it("ends every session of the user with allSessions=true, and no one else's", async () => {
      const user = await registerUser(t, {}, uniqueName('everywhere'));
      const sessions = [
        await loginSession(t, user),
        await loginSession(t, user),
        await loginSession(t, user),
      ];
      const bobs = await loginSession(t, bob);
      const res = await logout(t, sessions[1].sid, sessions[1].secret, 'true');
      expectEnvelope(res, 201, 'OK');
      expect(res.body.responseInfo.responseMessage).toBe(LOGGED_OUT);
      expectClearedCookie(res);
      for (const session of sessions) await expectDead(t, session);
      expect(await sessionCount(t, user.id)).toBe(0);
      await expectLive(t, bobs, bob.id);
    });

    it.each([
      ['no cookie', () => undefined],
      ['an upper-case cookie', (s: Session) => s.secret.toUpperCase()],
    ])('answers 401 AUTHREQUIRED to %s and ends nothing', async (_, cookie) => {
      const session = await loginSession(t, alice);
      const res = await logout(t, session.sid, cookie(session), 'true');
      expectFailure(res, 401, 'AUTHREQUIRED');
      await expectLive(t, session, alice.id);
    });

    it('answers 404 NOTFOUND to a wrong cookie and ends nothing', async () => {
      const session = await loginSession(t, alice);
      expectFailure(await logout(t, session.sid, randomSecret(), 'true'), 404, 'NOTFOUND');
      await expectLive(t, session, alice.id);
    });

    it("answers 404 NOTFOUND to another user's secret and ends neither session", async () => {
      const alices = await loginSession(t, alice);
      const bobs = await loginSession(t, bob);
      expectFailure(await logout(t, alices.sid, bobs.secret, 'true'), 404, 'NOTFOUND');
      await expectLive(t, alices, alice.id);
      await expectLive(t, bobs, bob.id);
    });

    it('answers 404 NOTFOUND to a session already ended', async () => {
      const session = await loginSession(t, alice);
      expectEnvelope(await logout(t, session.sid, session.secret), 201, 'OK');
      expectFailure(await logout(t, session.sid, session.secret), 404, 'NOTFOUND');
    });

    it.each(['abc', '0', '-1', '007', '4294967296', '1.5'])(
      'answers 400 INVALIDDATA "Invalid SID given" to the sid %s and ends nothing',
      async (sid) => {
        const session = await loginSession(t, alice);
        const res = await logout(t, sid, session.secret, 'true');
        expectFailure(res, 400, 'INVALIDDATA', 'sid');
        expect(res.body.responseInfo.responseMessage).toBe(INVALID_SID);
        await expectLive(t, session, alice.id);
      },
    );

    it('refuses an allSessions that is not a boolean with 400 INVALIDDATA and ends nothing', async () => {
      const session = await loginSession(t, alice);
      const res = await logout(t, session.sid, session.secret, 'maybe');
      expectFailure(res, 400, 'INVALIDDATA', 'allSessions');
      await expectLive(t, session, alice.id);
    });
  });

  describe('POST /auth/loginwithrsa and PUT /api/users/{id}/public-key', () => {
    let keyA: { publicKey: KeyObject; privateKey: KeyObject };
    let keyB: { publicKey: KeyObject; privateKey: KeyObject };
    let keyC: { publicKey: KeyObject; privateKey: KeyObject };
    let signer: Registered;
    let other: Registered;

    beforeAll(async () => {
      [keyA, keyB, keyC] = await Promise.all([
        generateRsaKeyPair(),
        generateRsaKeyPair(),
        generateRsaKeyPair(),
      ]);
      signer = await registerUser(
        t,
        { publicKey: spkiPem(keyA.publicKey), firstName: 'Sig' },
        uniqueName('signer'),
      );
      other = await registerUser(t, { publicKey: spkiPem(keyB.publicKey) }, uniqueName('other'));
    });

    it('answers 201 LoginResponse and the secret cookie for a good signature', async () => {
      const res = await rsaLogin(t, rsaLoginBody(signer.username, keyA.privateKey));
      expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
      expect(res.body.sid).toMatch(SID);
      expectSessionUser(res.body.user, { id: signer.id, login: signer.username, firstName: 'Sig' });
      const secret = expectSessionCookie(res);
      await expectLive(t, { sid: res.body.sid, secret }, signer.id);
    });

    it('accepts an expiration just within ten minutes, in seconds as the original, or in milliseconds', async () => {
      const inSeconds = rsaLoginBody(signer.username, keyA.privateKey, {
        expirationTimestamp: nowSeconds() + 595,
      });
      expectEnvelope(await rsaLogin(t, inSeconds), 201, 'OK', { keys: ['sid', 'user'] });
      const inMilliseconds = rsaLoginBody(signer.username, keyA.privateKey, {
        expirationTimestamp: Date.now() + TEN_MINUTES - 5_000,
      });
      expect(inMilliseconds.expirationTimestamp).toBeGreaterThanOrEqual(1e11);
      expectEnvelope(await rsaLogin(t, inMilliseconds), 201, 'OK', { keys: ['sid', 'user'] });
    });

    it('refuses a signature once its expiration has passed on the service’s clock', async () => {
      const clock = controlClock(t);
      try {
        const body = rsaLoginBody(signer.username, keyA.privateKey, {
          expirationTimestamp: nowSeconds() + 60,
        });
        clock.advance(61_000);
        expectFailure(await rsaLogin(t, body), 401, 'NOTFOUND');
      } finally {
        clock.restore();
      }
    });

    it('refuses with one identical 401 NOTFOUND every signature that does not prove the user', async () => {
      const keyless = await registerUser(t, {}, uniqueName('keyless'));
      const disabled = await registerUser(
        t,
        { publicKey: spkiPem(keyC.publicKey) },
        uniqueName('disabled-signer'),
      );
      await disable(t, disabled.id);
      const good = rsaLoginBody(signer.username, keyA.privateKey);
      const cases: [string, unknown][] = [
        ['signed with another key', rsaLoginBody(signer.username, keyB.privateKey)],
        [
          'expired, in seconds',
          rsaLoginBody(signer.username, keyA.privateKey, { expirationTimestamp: nowSeconds() - 1 }),
        ],
        [
          'expired, in milliseconds',
          rsaLoginBody(signer.username, keyA.privateKey, {
            expirationTimestamp: Date.now() - 1_000,
          }),
        ],
        [
          'more than ten minutes ahead, in seconds',
          rsaLoginBody(signer.username, keyA.privateKey, {
            expirationTimestamp: nowSeconds() + 605,
          }),
        ],
        [
          'more than ten minutes ahead, in milliseconds',
          rsaLoginBody(signer.username, keyA.privateKey, {
            expirationTimestamp: Date.now() + TEN_MINUTES + 5_000,
          }),
        ],
        [
          'just under 10^11, read as seconds: thousands of years ahead',
          rsaLoginBody(signer.username, keyA.privateKey, { expirationTimestamp: 1e11 - 1 }),
        ],
        [
          'the same instant sent in seconds but signed in milliseconds',
          rsaLoginBody(signer.username, keyA.privateKey, {
            expirationTimestamp: nowSeconds() + 60,
            signed: (nowSeconds() + 60) * 1000,
          }),
        ],
        ['a tampered username', { ...good, username: other.username }],
        ['a tampered salt', { ...good, salt: `${good.salt}x` }],
        ['a tampered timestamp', { ...good, expirationTimestamp: good.expirationTimestamp + 1 }],
        ['a signature that is not base64 of anything', { ...good, rsaSignature: '!!!' }],
        ['an empty signature', { ...good, rsaSignature: '' }],
        ['a user without a key', rsaLoginBody(keyless.username, keyA.privateKey)],
        ['an unknown user', rsaLoginBody('nobody-signs', keyA.privateKey)],
        ['a disabled user', rsaLoginBody(disabled.username, keyC.privateKey)],
      ];
      let first: unknown;
      for (const [name, body] of cases) {
        const res = await rsaLogin(t, body);
        expect({ name, status: res.status }).toEqual({ name, status: 401 });
        expectFailure(res, 401, 'NOTFOUND');
        expect(res.body.responseInfo.responseMessage).toBe(WRONG_CREDENTIALS);
        expect(res.headers['set-cookie']).toBeUndefined();
        first ??= normalized(res.body);
        expect(normalized(res.body)).toEqual(first);
      }
      // None of the failures spent the good signature's salt.
      expectEnvelope(await rsaLogin(t, good), 201, 'OK', { keys: ['sid', 'user'] });
    });

    it('accepts a salt once per user: a replay, or the same salt freshly signed, is refused', async () => {
      const salt = randomUUID();
      const body = rsaLoginBody(signer.username, keyA.privateKey, { salt });
      expectEnvelope(await rsaLogin(t, body), 201, 'OK', { keys: ['sid', 'user'] });
      const replay = await rsaLogin(t, body);
      expectFailure(replay, 401, 'NOTFOUND');
      expect(replay.headers['set-cookie']).toBeUndefined();
      const resigned = rsaLoginBody(signer.username, keyA.privateKey, {
        salt,
        expirationTimestamp: body.expirationTimestamp + 1,
      });
      expectFailure(await rsaLogin(t, resigned), 401, 'NOTFOUND');
      // The same salt is fine for another user.
      const theirs = rsaLoginBody(other.username, keyB.privateKey, { salt });
      expectEnvelope(await rsaLogin(t, theirs), 201, 'OK', { keys: ['sid', 'user'] });
    });

    it('accepts one of two simultaneous uses of the same signature', async () => {
      const body = rsaLoginBody(signer.username, keyA.privateKey);
      const answers = await Promise.all([rsaLogin(t, body), rsaLogin(t, body), rsaLogin(t, body)]);
      expect(answers.map((res) => res.status).sort((a, b) => a - b)).toEqual([201, 401, 401]);
    });

    it.each([
      ['no username', { username: undefined }, 'username'],
      ['no salt', { salt: undefined }, 'salt'],
      ['no expirationTimestamp', { expirationTimestamp: undefined }, 'expirationTimestamp'],
      ['no rsaSignature', { rsaSignature: undefined }, 'rsaSignature'],
      ['a numeric username', { username: 7 }, 'username'],
      ['an empty salt', { salt: '' }, 'salt'],
      ['a string expirationTimestamp', { expirationTimestamp: 'soon' }, 'expirationTimestamp'],
      ['a fractional expirationTimestamp', { expirationTimestamp: 1.5 }, 'expirationTimestamp'],
      ['a negative expirationTimestamp', { expirationTimestamp: -1 }, 'expirationTimestamp'],
      [
        'an expirationTimestamp beyond 2^53',
        { expirationTimestamp: 2 ** 53 },
        'expirationTimestamp',
      ],
      ['a numeric rsaSignature', { rsaSignature: 5 }, 'rsaSignature'],
    ])('refuses a body with %s with 400 INVALIDDATA naming the field', async (_, change, field) => {
      const body = { ...rsaLoginBody(signer.username, keyA.privateKey), ...change };
      const res = await rsaLogin(t, JSON.parse(JSON.stringify(body)));
      expectFailure(res, 400, 'INVALIDDATA', field);
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('replaces the key as that user with Basic: the new key logs in, the old one no longer', async () => {
      const user = await registerUser(
        t,
        { publicKey: spkiPem(keyA.publicKey) },
        uniqueName('rekey'),
      );
      const res = await t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', basic(user.username, PASSWORD))
        .send({ publicKey: spkiPem(keyB.publicKey) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ username: user.username });
      expectEnvelope(await rsaLogin(t, rsaLoginBody(user.username, keyB.privateKey)), 201, 'OK', {
        keys: ['sid', 'user'],
      });
      expectFailure(
        await rsaLogin(t, rsaLoginBody(user.username, keyA.privateKey)),
        401,
        'NOTFOUND',
      );
    });

    it('gives a keyless user one with Basic, but never for an access JWT alone', async () => {
      const user = await registerUser(t, {}, uniqueName('jwt-rekey'));
      const auth = await t
        .http()
        .post('/v1/auth')
        .send({ username: user.username, password: PASSWORD });
      expect(auth.status).toBe(200);
      const byToken = await t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', `Bearer ${auth.body.access_token as string}`)
        .send({ publicKey: spkiPem(keyC.publicKey) });
      expect(byToken.status).toBe(401);
      expectFailure(
        await rsaLogin(t, rsaLoginBody(user.username, keyC.privateKey)),
        401,
        'NOTFOUND',
      );
      const res = await t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', basic(user.username, PASSWORD))
        .send({ publicKey: spkiPem(keyC.publicKey) });
      expect(res.status).toBe(200);
      expectEnvelope(await rsaLogin(t, rsaLoginBody(user.username, keyC.privateKey)), 201, 'OK', {
        keys: ['sid', 'user'],
      });
    });

    it("refuses another user's key change with 403, and the key stays", async () => {
      const res = await t
        .http()
        .put(`/api/users/${signer.id}/public-key`)
        .set('Authorization', basic(other.username, PASSWORD))
        .send({ publicKey: spkiPem(keyB.publicKey) });
      expect(res.status).toBe(403);
      expectEnvelope(await rsaLogin(t, rsaLoginBody(signer.username, keyA.privateKey)), 201, 'OK', {
        keys: ['sid', 'user'],
      });
      expectFailure(
        await rsaLogin(t, rsaLoginBody(signer.username, keyB.privateKey)),
        401,
        'NOTFOUND',
      );
    });

    it("refuses an admin's key for anyone else with 403: admins remove keys, never set one", async () => {
      const user = await registerUser(
        t,
        { publicKey: spkiPem(keyA.publicKey) },
        uniqueName('by-admin'),
      );
      const res = await t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', basic(ADMIN.username, ADMIN.password))
        .send({ publicKey: spkiPem(keyC.publicKey) });
      expect(res.status).toBe(403);
      expectEnvelope(await rsaLogin(t, rsaLoginBody(user.username, keyA.privateKey)), 201, 'OK', {
        keys: ['sid', 'user'],
      });
      expectFailure(
        await rsaLogin(t, rsaLoginBody(user.username, keyC.privateKey)),
        401,
        'NOTFOUND',
      );
    });

    it('refuses an anonymous key change with 401', async () => {
      const res = await t
        .http()
        .put(`/api/users/${signer.id}/public-key`)
        .send({ publicKey: spkiPem(keyB.publicKey) });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic\b/);
      expectFailure(
        await rsaLogin(t, rsaLoginBody(signer.username, keyB.privateKey)),
        401,
        'NOTFOUND',
      );
    });

    it.each([
      [
        'a PEM that is not a key',
        () => '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n',
      ],
      ['a private key', () => keyB.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
      [
        'a PKCS#1 private key',
        () => keyB.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      ],
      ['an empty string', () => ''],
    ])('refuses %s as the new key with 400, and the key stays', async (_, publicKey) => {
      const res = await t
        .http()
        .put(`/api/users/${signer.id}/public-key`)
        .set('Authorization', basic(signer.username, PASSWORD))
        .send({ publicKey: publicKey() });
      expect(res.status).toBe(400);
      expectEnvelope(await rsaLogin(t, rsaLoginBody(signer.username, keyA.privateKey)), 201, 'OK', {
        keys: ['sid', 'user'],
      });
    });

    it('refuses a body without publicKey with 400', async () => {
      const res = await t
        .http()
        .put(`/api/users/${signer.id}/public-key`)
        .set('Authorization', basic(signer.username, PASSWORD))
        .send({});
      expect(res.status).toBe(400);
    });
  });

  describe('GET /auth/login and GET /auth/ssologin (SSO from a trusted proxy)', () => {
    it.each(['/auth/login', '/auth/ssologin'] as const)(
      '%s answers 200 text/plain with the new sid and sets the cookie',
      async (path) => {
        const before = await sessionCount(t, bob.id);
        const res = await ssoLogin(t, path, { 'X-Remote-User': bob.username });
        expectSsoAnswer(res, SID);
        const secret = expectSessionCookie(res);
        const valid = await validate(t, `${res.text}${secret}`);
        expectEnvelope(valid, 200, 'OK', { keys: ['user'] });
        expectSessionUser(valid.body.user, { id: bob.id, login: bob.username });
        expect(await sessionCount(t, bob.id)).toBe(before + 1);
      },
    );

    it.each(['/auth/login', '/auth/ssologin'] as const)(
      '%s answers 401 NOTFOUND for an unknown or disabled user',
      async (path) => {
        const disabled = await registerUser(t, {}, uniqueName('sso-disabled'));
        await disable(t, disabled.id);
        for (const name of ['nobody-by-that-name', disabled.username]) {
          expectSsoRefused(await ssoLogin(t, path, { 'X-Remote-User': name }));
        }
      },
    );

    it.each(['/auth/login', '/auth/ssologin'] as const)(
      '%s answers 401 NOTFOUND without the header, or with another header',
      async (path) => {
        const cases: Record<string, string>[] = [{}, { 'X-Forwarded-User': bob.username }];
        for (const headers of cases) expectSsoRefused(await ssoLogin(t, path, headers));
      },
    );
  });

  describe('POST /auth/hashpassword', () => {
    let session: Session;
    let adminSession: Session;

    beforeAll(async () => {
      session = await loginSession(t, alice);
      adminSession = await loginSession(t, ADMIN);
    });

    it("answers 201 with exactly {hash, user, messages, responseInfo} for the session's own user", async () => {
      const password = 'a-new-password-1';
      const res = await hashPassword(t, session, { password, userId: alice.id });
      expectEnvelope(res, 201, 'OK', { keys: ['hash', 'user'] });
      expect(res.body.hash).toMatch(/^\$2b\$\d{2}\$[./A-Za-z0-9]{53}$/);
      expect(await bcrypt.compare(password, res.body.hash as string)).toBe(true);
      expect(await bcrypt.compare('another-password', res.body.hash as string)).toBe(false);
      expectSessionUser(withSortedGroups(res.body.user), aliceProfile);
    });

    it('hashes a password of exactly 72 bytes', async () => {
      const res = await hashPassword(t, session, { password: 'x'.repeat(72), userId: alice.id });
      expectEnvelope(res, 201, 'OK', { keys: ['hash', 'user'] });
      expect(await bcrypt.compare('x'.repeat(72), res.body.hash as string)).toBe(true);
    });

    it("refuses another user's id with 403 PERMISSION", async () => {
      const res = await hashPassword(t, session, { password: 'a-new-password-1', userId: bob.id });
      expectFailure(res, 403, 'PERMISSION');
      expect(res.body.hash).toBeUndefined();
    });

    it("lets an admin's session hash for any user", async () => {
      const res = await hashPassword(t, adminSession, {
        password: 'bobs-new-password',
        userId: bob.id,
      });
      expectEnvelope(res, 201, 'OK', { keys: ['hash', 'user'] });
      expectSessionUser(res.body.user, { id: bob.id, login: bob.username });
      expect(await bcrypt.compare('bobs-new-password', res.body.hash as string)).toBe(true);
    });

    it("answers 404 NOTFOUND to an admin's session for an unknown user id", async () => {
      const res = await hashPassword(t, adminSession, {
        password: 'a-new-password-1',
        userId: 2_147_483_000,
      });
      expectFailure(res, 404, 'NOTFOUND');
    });

    it.each([
      ['no sid and no cookie', () => ({})],
      ['the sid without the cookie', (s: Session) => ({ sid: s.sid })],
      ['the cookie without the sid', (s: Session) => ({ secret: s.secret })],
      ['a wrong secret', (s: Session) => ({ sid: s.sid, secret: randomSecret() })],
      ['sid 0', (s: Session) => ({ sid: '0', secret: s.secret })],
    ])('answers 401 FAILURE to %s', async (_, credential) => {
      const res = await hashPassword(t, credential(session), {
        password: 'a-new-password-1',
        userId: alice.id,
      });
      expectFailure(res, 401, 'FAILURE');
      expect(res.body.hash).toBeUndefined();
    });

    it('answers 401 FAILURE to an ended session', async () => {
      const ended = await loginSession(t, alice);
      expect((await logout(t, ended.sid, ended.secret)).status).toBe(201);
      const res = await hashPassword(t, ended, { password: 'a-new-password-1', userId: alice.id });
      expectFailure(res, 401, 'FAILURE');
    });

    it.each([
      ['a password that is too short', { password: 'short-7' }, 'password'],
      ['a password of 73 bytes', { password: 'x'.repeat(73) }, 'password'],
      ['a password of 25 characters but 75 bytes', { password: '€'.repeat(25) }, 'password'],
      ['no password', { password: undefined }, 'password'],
      ['a numeric password', { password: 12345678 }, 'password'],
      ['no userId', { userId: undefined }, 'userId'],
      ['a string userId', { userId: '1' }, 'userId'],
      ['a fractional userId', { userId: 1.5 }, 'userId'],
      ['userId 0', { userId: 0 }, 'userId'],
    ])('refuses %s with 400 INVALIDDATA naming the field', async (_, change, field) => {
      const body = { password: 'a-new-password-1', userId: alice.id, ...change };
      const res = await hashPassword(t, session, JSON.parse(JSON.stringify(body)));
      expectFailure(res, 400, 'INVALIDDATA', field);
      expect(res.body.hash).toBeUndefined();
    });
  });

  describe('POST /auth/matchpassword', () => {
    let session: Session;
    let hash: string;

    beforeAll(async () => {
      session = await loginSession(t, bob);
      hash = await bcrypt.hash('the-password-1', 4);
    });

    it('answers 201 OK "Password matches" with exactly {messages, responseInfo} when the password matches', async () => {
      const res = await matchPassword(t, session, { password: 'the-password-1', hash });
      expectEnvelope(res, 201, 'OK');
      expect(res.body.responseInfo.responseMessage).toBe('Password matches');
    });

    it('answers 201 FAILURE "Password does not match" when it does not: a verdict, not a failed call', async () => {
      const res = await matchPassword(t, session, { password: 'the-password-2', hash });
      expectEnvelope(res, 201, 'FAILURE');
      expect(res.body.responseInfo.responseMessage).toBe('Password does not match');
    });

    it('matches a hash made by hashpassword', async () => {
      const hashed = await hashPassword(t, session, { password: 'round-trip-1', userId: bob.id });
      expect(hashed.status).toBe(201);
      const res = await matchPassword(t, session, {
        password: 'round-trip-1',
        hash: hashed.body.hash,
      });
      expectEnvelope(res, 201, 'OK');
    });

    it.each([
      ['a hash that is not bcrypt', 'plain-text-password'],
      ['a truncated bcrypt hash', '$2b$04$abcdefghijklmnopqrstuv'],
      ['a SHA-256 hex digest', sha256Hex('the-password-1')],
    ])('refuses %s with 400 INVALIDDATA naming hash', async (_, badHash) => {
      const res = await matchPassword(t, session, { password: 'the-password-1', hash: badHash });
      expectFailure(res, 400, 'INVALIDDATA', 'hash');
    });

    it.each([
      ['no password', { hash: '$2b$04$abcdefghijklmnopqrstuv' }, 'password'],
      ['no hash', { password: 'the-password-1' }, 'hash'],
      ['a numeric hash', { password: 'the-password-1', hash: 5 }, 'hash'],
    ])('refuses a body with %s with 400 INVALIDDATA naming the field', async (_, body, field) => {
      expectFailure(await matchPassword(t, session, body), 400, 'INVALIDDATA', field);
    });

    it('answers 401 FAILURE without a session or with a wrong secret', async () => {
      expectFailure(
        await matchPassword(t, {}, { password: 'the-password-1', hash }),
        401,
        'FAILURE',
      );
      expectFailure(
        await matchPassword(
          t,
          { sid: session.sid, secret: randomSecret() },
          {
            password: 'the-password-1',
            hash,
          },
        ),
        401,
        'FAILURE',
      );
    });
  });

  describe('GET /auth/globalprefix', () => {
    it('answers 200 OK with an empty prefix by default', async () => {
      const res = await t.http().get('/auth/globalprefix');
      expectEnvelope(res, 200, 'OK');
      expect(res.body.responseInfo).toEqual({
        responseCode: 'OK',
        responseMessage: '',
        property: '',
      });
    });
  });

  describe('secrets', () => {
    it('stores the session secret only as its SHA-256', async () => {
      const session = await loginSession(t, alice);
      const rows = await sql(t, 'SELECT * FROM "session" WHERE "id" = $1', [Number(session.sid)]);
      expect(rows).toHaveLength(1);
      expect(rows[0].secretHash).toBe(sha256Hex(session.secret));
      expect(Number(rows[0].userId)).toBe(alice.id);
      const everything = JSON.stringify(await sql(t, 'SELECT * FROM "session"'));
      const users = JSON.stringify(await sql(t, 'SELECT * FROM "user"'));
      for (const form of [session.secret, session.secret.toUpperCase()]) {
        expect(everything).not.toContain(form);
        expect(users).not.toContain(form);
      }
    });

    it('draws 10,000 distinct secrets of 64 lowercase hex characters from its generator', () => {
      const secrets = Array.from({ length: 10_000 }, newSessionSecret);
      for (const secret of secrets) expect(secret).toMatch(SECRET_HEX);
      expect(new Set(secrets).size).toBe(secrets.length);
    });

    it('gives every session a sid and a secret of its own: 200 SSO logins of one user at once', async () => {
      const user = await registerUser(t, {}, uniqueName('many'));
      const answers = await Promise.all(
        Array.from({ length: 200 }, () =>
          ssoLogin(t, '/auth/ssologin', { 'X-Remote-User': user.username }),
        ),
      );
      const sessions = answers.map((res) => {
        expectSsoAnswer(res, SID);
        return { sid: res.text, secret: expectSessionCookie(res) };
      });
      expect(new Set(sessions.map(({ sid }) => sid)).size).toBe(200);
      expect(new Set(sessions.map(({ secret }) => secret)).size).toBe(200);
      const stored = await sql(t, 'SELECT "secretHash" FROM "session" WHERE "userId" = $1', [
        user.id,
      ]);
      expect(stored).toHaveLength(200);
      const hashes = new Set(stored.map((row) => String(row.secretHash)));
      for (const { secret } of sessions) expect(hashes.has(sha256Hex(secret))).toBe(true);
      await expectLive(t, sessions[199], user.id);
    });

    it('never hands out a sid twice, even after every session of the user ended', async () => {
      const user = await registerUser(t, {}, uniqueName('reuser'));
      const first = await loginSession(t, user);
      expectEnvelope(await logout(t, first.sid, first.secret, 'true'), 201, 'OK');
      const second = await loginSession(t, user);
      expect(Number(second.sid)).toBeGreaterThan(Number(first.sid));
      await expectDead(t, first);
    });

    it("carries no password or password hash in any answer's user", async () => {
      const [stored] = await sql(t, 'SELECT "passwordHash" FROM "user" WHERE "id" = $1', [
        alice.id,
      ]);
      const passwordHash = String(stored.passwordHash);
      expect(passwordHash).toMatch(/^\$2[aby]\$/);
      const session = await loginSession(t, alice);
      const answers = [
        session.res,
        await validate(t, `${session.sid}${session.secret}`),
        await validate(t, session.sid, session.secret),
        await hashPassword(t, session, { password: 'some-password-1', userId: alice.id }),
        await ssoLogin(t, '/auth/login', { 'X-Remote-User': alice.username }),
      ];
      for (const res of answers) {
        expect(res.status).toBeLessThan(300);
        expect(res.text).not.toContain(passwordHash);
        expect(res.text).not.toContain(PASSWORD);
        if (res.body?.user) expect(Object.keys(res.body.user).sort()).toEqual(USER_KEYS);
      }
    });
  });
});

// =============================================================================================

describe('Session API with its cookie, SSO header and global prefix configured', () => {
  const NAME = 'ALT_SESSION';
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    t = await startTestApp({
      COOKIE_SECURE: 'true',
      SESSION_COOKIE_NAME: NAME,
      GLOBAL_PREFIX: '/gatehouse',
      SSO_HEADER: 'X-Forwarded-User',
      SSO_TRUSTED_PROXIES: '10.0.0.1, 127.0.0.1',
    });
    user = await registerUser(t, {}, uniqueName('configured'));
  });
  afterAll(() => t.close());

  it('sets the secret in the configured cookie, with Secure', async () => {
    const res = await sessionLogin(t, { login: user.username, password: PASSWORD });
    expectEnvelope(res, 201, 'OK', { keys: ['sid', 'user'] });
    expectSessionCookie(res, NAME, true);
  });

  it('reads the secret from the configured cookie only', async () => {
    const session = await loginSession(t, user, { name: NAME, secure: true });
    expectEnvelope(await validate(t, session.sid, session.secret, NAME), 200, 'OK', {
      keys: ['user'],
    });
    // The bare sid without the configured cookie: no secret, where validate needs one.
    expectFailure(await validate(t, session.sid, session.secret, COOKIE), 400, 'INVALIDDATA');
    const reused = await sessionLogin(
      t,
      { login: user.username, password: PASSWORD },
      { sid: session.sid, cookie: session.secret, cookieName: NAME },
    );
    expect(reused.status).toBe(201);
    expect(reused.body.sid).toBe(session.sid);
    expect(reused.headers['set-cookie']).toBeUndefined();
    const hashed = await hashPassword(
      t,
      session,
      { password: 'new-password-1', userId: user.id },
      NAME,
    );
    expectEnvelope(hashed, 201, 'OK', { keys: ['hash', 'user'] });
  });

  it('clears the configured cookie on logout', async () => {
    const session = await loginSession(t, user, { name: NAME, secure: true });
    const res = await t
      .http()
      .post(`/auth/logout/${session.sid}`)
      .set('Cookie', `${NAME}=${session.secret}`);
    expectEnvelope(res, 201, 'OK');
    expectClearedCookie(res, NAME);
    expectFailure(await validate(t, session.sid, session.secret, NAME), 404, 'NOTFOUND');
  });

  it('answers GLOBAL_PREFIX in responseInfo.responseMessage, as the original, and in property', async () => {
    const res = await t.http().get('/auth/globalprefix');
    expectEnvelope(res, 200, 'OK');
    expect(res.body.responseInfo).toEqual({
      responseCode: 'OK',
      responseMessage: '/gatehouse',
      property: '/gatehouse',
    });
  });

  it('logs in by SSO_HEADER, and no longer by X-Remote-User', async () => {
    const res = await ssoLogin(t, '/auth/ssologin', { 'X-Forwarded-User': user.username });
    expectSsoAnswer(res, SID);
    const secret = expectSessionCookie(res, NAME, true);
    expectEnvelope(await validate(t, `${res.text}${secret}`), 200, 'OK', { keys: ['user'] });
    expectSsoRefused(await ssoLogin(t, '/auth/login', { 'X-Remote-User': user.username }));
  });
});

describe('Session API: SSO from an untrusted address (behind a trusted load balancer), and the idle timeout', () => {
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    // TRUST_PROXY makes 127.0.0.1 a load balancer whose X-Forwarded-For names the client; SSO must
    // still trust only the address at the other end of the connection.
    t = await startTestApp({
      SSO_TRUSTED_PROXIES: '10.0.0.1',
      TRUST_PROXY: '127.0.0.1',
      SESSION_IDLE_TIMEOUT: '1',
    });
    user = await registerUser(t, {}, uniqueName('idle'));
  });
  afterAll(() => t.close());

  it.each(['/auth/login', '/auth/ssologin'] as const)(
    '%s answers 401 NOTFOUND to a caller that is not a trusted proxy, whatever it claims',
    async (path) => {
      const cases: Record<string, string>[] = [
        { 'X-Remote-User': user.username },
        { 'X-Remote-User': user.username, 'X-Forwarded-For': '10.0.0.1' },
        { 'X-Remote-User': user.username, 'X-Real-IP': '10.0.0.1', Forwarded: 'for=10.0.0.1' },
      ];
      for (const headers of cases) expectSsoRefused(await ssoLogin(t, path, headers));
      expect(await sessionCount(t, user.id)).toBe(0);
    },
  );

  it('keeps a session in use alive, and ends it after a second of idleness', async () => {
    const clock = controlClock(t);
    try {
      const session = await loginSession(t, user);
      for (let used = 0; used < 4; used += 1) {
        clock.advance(400);
        await expectLive(t, session, user.id);
      }
      clock.advance(2_200);
      await expectDead(t, session);
      expectFailure(await validate(t, session.sid, session.secret), 404, 'NOTFOUND');
    } finally {
      clock.restore();
    }
  });
});

describe('Session API: the absolute timeout (SESSION_ABSOLUTE_TIMEOUT=2)', () => {
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    t = await startTestApp({ SESSION_ABSOLUTE_TIMEOUT: '2', SESSION_IDLE_TIMEOUT: '3600' });
    user = await registerUser(t, {}, uniqueName('absolute'));
  });
  afterAll(() => t.close());

  it('ends a session two seconds after it began, however busy it is', async () => {
    const clock = controlClock(t);
    try {
      const session = await loginSession(t, user);
      // In use every half second: live until two seconds have passed since the login, then not.
      for (let elapsed = 0; elapsed <= 1_500; elapsed += 500) {
        expect((await validate(t, `${session.sid}${session.secret}`)).status, `${elapsed} ms`).toBe(
          200,
        );
        clock.advance(500);
      }
      clock.advance(500);
      expectFailure(await validate(t, `${session.sid}${session.secret}`), 404, 'NOTFOUND');
    } finally {
      clock.restore();
    }
    // A fresh login is a fresh session.
    const fresh = await loginSession(t, user);
    await expectLive(t, fresh, user.id);
  });
});

describe('Session API: password operations throttled (PASSWORD_OPS_PER_MINUTE=4, a registration among them)', () => {
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    t = await startTestApp({ PASSWORD_OPS_PER_MINUTE: '4' });
    // Operation 1 of 4: a registration hashes a password.
    user = await registerUser(t, {}, uniqueName('throttled'));
  });
  afterAll(() => t.close());

  it('answers the 4th hashpassword (5th password operation) in a minute with 429, Retry-After and the envelope', async () => {
    const session = await loginSession(t, user);
    for (let call = 1; call <= 3; call += 1) {
      const res = await hashPassword(t, session, { password: 'a-new-password-1', userId: user.id });
      expect({ call, status: res.status }).toEqual({ call, status: 201 });
    }
    const res = await hashPassword(t, session, { password: 'a-new-password-1', userId: user.id });
    expectFailure(res, 429, 'FAILURE');
    expect(res.body.hash).toBeUndefined();
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('answers SSO with 401 NOTFOUND while SSO_TRUSTED_PROXIES is unset, as the original', async () => {
    for (const path of ['/auth/login', '/auth/ssologin'] as const) {
      expectSsoRefused(await ssoLogin(t, path, { 'X-Remote-User': user.username }));
    }
  });
});

describe('Session API: hashpassword, matchpassword and registration share one budget (PASSWORD_OPS_PER_MINUTE=4)', () => {
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    t = await startTestApp({ PASSWORD_OPS_PER_MINUTE: '4' });
    // Operation 1 of 4: a registration hashes a password.
    user = await registerUser(t, {}, uniqueName('budget'));
  });
  afterAll(() => t.close());

  it('answers the 5th password operation in a minute with 429, whichever the route', async () => {
    const session = await loginSession(t, user);
    const hash = await bcrypt.hash('the-password-1', 4);
    const statuses = [
      (await matchPassword(t, session, { password: 'the-password-1', hash })).status,
      (await hashPassword(t, session, { password: 'a-new-password-1', userId: user.id })).status,
      (await matchPassword(t, session, { password: 'the-password-1', hash })).status,
    ];
    expect(statuses).toEqual([201, 201, 201]);
    const res = await hashPassword(t, session, { password: 'a-new-password-1', userId: user.id });
    expectFailure(res, 429, 'FAILURE');
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });
});

// =============================================================================================
// The session API's answers as one table (docs/apis.md's, under Sessions), held against both
// settings of SESSION_API_HTTP_STATUS

interface ContractFixture {
  t: TestApp;
  user: Registered;
  /** A live session of `user`, opened by SSO, whose answer is 200 under either setting. */
  session: Session;
  privateKey: KeyObject;
  hash: string;
}

async function ssoSession(t: TestApp, username: string): Promise<Session> {
  const res = await ssoLogin(t, '/auth/ssologin', { 'X-Remote-User': username });
  expectSsoAnswer(res, SID);
  return { sid: res.text, secret: expectSessionCookie(res) };
}

interface ContractCase {
  name: string;
  /** The status by default (semantic); `original` answers 200 instead. */
  status: number;
  code: ResponseCode;
  /** The response message, where the table of docs/apis.md words it. */
  message?: string;
  /** Properties beside messages and responseInfo. */
  keys?: string[];
  send: (f: ContractFixture) => Promise<Response>;
}

const CONTRACT: ContractCase[] = [
  {
    name: 'a password login',
    status: 201,
    code: 'OK',
    message: LOGGED_IN,
    keys: ['sid', 'user'],
    send: (f) => sessionLogin(f.t, { login: f.user.username, password: PASSWORD }),
  },
  {
    name: 'a login with a wrong password',
    status: 401,
    code: 'NOTFOUND',
    message: WRONG_CREDENTIALS,
    send: (f) => sessionLogin(f.t, { login: f.user.username, password: 'wrong-password' }),
  },
  {
    name: 'a login of an unknown user',
    status: 401,
    code: 'NOTFOUND',
    message: WRONG_CREDENTIALS,
    send: (f) => sessionLogin(f.t, { login: 'nobody-at-all', password: PASSWORD }),
  },
  {
    name: 'a login with a bad body',
    status: 400,
    code: 'INVALIDDATA',
    send: (f) => sessionLogin(f.t, { login: 42, password: PASSWORD }),
  },
  {
    name: 'a login re-using its session (?sid= with the cookie)',
    status: 201,
    code: 'OK',
    message: LOGGED_IN,
    keys: ['sid', 'user'],
    send: (f) =>
      sessionLogin(
        f.t,
        { login: f.user.username, password: PASSWORD },
        { sid: f.session.sid, cookie: f.session.secret },
      ),
  },
  {
    name: 'an RSA login',
    status: 201,
    code: 'OK',
    message: LOGGED_IN,
    keys: ['sid', 'user'],
    send: (f) => rsaLogin(f.t, rsaLoginBody(f.user.username, f.privateKey)),
  },
  {
    name: 'an expired RSA login',
    status: 401,
    code: 'NOTFOUND',
    message: WRONG_CREDENTIALS,
    send: (f) =>
      rsaLogin(
        f.t,
        rsaLoginBody(f.user.username, f.privateKey, { expirationTimestamp: nowSeconds() - 1 }),
      ),
  },
  {
    name: 'validate of a live session',
    status: 200,
    code: 'OK',
    message: VALIDATED,
    keys: ['user'],
    send: (f) => validate(f.t, `${f.session.sid}${f.session.secret}`),
  },
  {
    name: 'validate of a sid that is not a number',
    status: 400,
    code: 'INVALIDDATA',
    message: INVALID_SID,
    send: (f) => validate(f.t, `x${f.session.secret}`),
  },
  {
    name: 'validate of a sid without its secret',
    status: 400,
    code: 'INVALIDDATA',
    message: INVALID_SID,
    send: (f) => validate(f.t, f.session.sid),
  },
  {
    name: 'validate of a sid and secret of no live session',
    status: 404,
    code: 'NOTFOUND',
    send: (f) => validate(f.t, `${f.session.sid}${randomSecret()}`),
  },
  {
    name: 'hashpassword',
    status: 201,
    code: 'OK',
    message: HASHED,
    keys: ['hash', 'user'],
    send: (f) => hashPassword(f.t, f.session, { password: 'a-new-password-1', userId: f.user.id }),
  },
  {
    name: 'hashpassword without a live session',
    status: 401,
    code: 'FAILURE',
    send: (f) =>
      hashPassword(
        f.t,
        { sid: f.session.sid },
        { password: 'a-new-password-1', userId: f.user.id },
      ),
  },
  {
    name: 'hashpassword with a bad body',
    status: 400,
    code: 'INVALIDDATA',
    send: (f) => hashPassword(f.t, f.session, { password: 'a-new-password-1' }),
  },
  {
    name: 'matchpassword of a match',
    status: 201,
    code: 'OK',
    message: 'Password matches',
    send: (f) => matchPassword(f.t, f.session, { password: 'the-password-1', hash: f.hash }),
  },
  {
    name: 'matchpassword of a mismatch',
    status: 201,
    code: 'FAILURE',
    message: 'Password does not match',
    send: (f) => matchPassword(f.t, f.session, { password: 'the-password-2', hash: f.hash }),
  },
  {
    name: 'matchpassword without a live session',
    status: 401,
    code: 'FAILURE',
    send: (f) => matchPassword(f.t, {}, { password: 'the-password-1', hash: f.hash }),
  },
  {
    name: 'globalprefix',
    status: 200,
    code: 'OK',
    message: '/prefix',
    send: (f) => f.t.http().get('/auth/globalprefix'),
  },
  {
    name: 'logout of a sid that is not a number',
    status: 400,
    code: 'INVALIDDATA',
    message: INVALID_SID,
    send: (f) => logout(f.t, 'abc', f.session.secret),
  },
  {
    name: 'logout without the cookie',
    status: 401,
    code: 'AUTHREQUIRED',
    send: (f) => logout(f.t, f.session.sid),
  },
  {
    name: 'logout of a sid and secret of no live session',
    status: 404,
    code: 'NOTFOUND',
    send: (f) => logout(f.t, f.session.sid, randomSecret()),
  },
  {
    name: 'a logout',
    status: 201,
    code: 'OK',
    message: LOGGED_OUT,
    send: async (f) => {
      const ending = await ssoSession(f.t, f.user.username);
      return logout(f.t, ending.sid, ending.secret);
    },
  },
  {
    name: 'a logout of all the user’s sessions',
    status: 201,
    code: 'OK',
    message: LOGGED_OUT,
    send: async (f) => {
      const other = await registerUser(f.t, {}, uniqueName('all-sessions'));
      const ending = await ssoSession(f.t, other.username);
      return logout(f.t, ending.sid, ending.secret, 'true');
    },
  },
];

describe.each([
  ['semantic', (status: number) => status],
  ['original', () => 200],
] as const)('Session API with SESSION_API_HTTP_STATUS=%s', (setting, statusOf) => {
  let f: ContractFixture;

  beforeAll(async () => {
    const t = await startTestApp({
      SESSION_API_HTTP_STATUS: setting,
      SSO_TRUSTED_PROXIES: '127.0.0.1',
      GLOBAL_PREFIX: '/prefix',
      PASSWORD_OPS_PER_MINUTE: '20',
    });
    const { publicKey, privateKey } = await generateRsaKeyPair();
    const user = await registerUser(t, { publicKey: spkiPem(publicKey) }, uniqueName(setting));
    f = {
      t,
      user,
      privateKey,
      session: await ssoSession(t, user.username),
      hash: await bcrypt.hash('the-password-1', 4),
    };
  });
  afterAll(() => f.t.close());

  it.each(CONTRACT.map((entry) => [entry.name, entry] as const))(
    'answers %s with its envelope, response code and status',
    async (_, { status, code, message, keys, send }) => {
      const res = await send(f);
      if (status < 300) expectEnvelope(res, statusOf(status), code, { keys });
      else expectFailure(res, statusOf(status), code);
      if (message !== undefined) expect(res.body.responseInfo.responseMessage).toBe(message);
    },
  );

  it.each(['/auth/login', '/auth/ssologin'] as const)(
    'answers SSO at %s in text/plain: the sid, or NOTFOUND for no user named',
    async (path) => {
      expectSsoAnswer(await ssoLogin(f.t, path, { 'X-Remote-User': f.user.username }), SID);
      expectSsoRefused(await ssoLogin(f.t, path, { 'X-Remote-User': 'nobody' }), statusOf(401));
      expectSsoRefused(await ssoLogin(f.t, path, {}), statusOf(401));
    },
  );

  it('leaves the other APIs at their own statuses, the shared login’s Basic form included', async () => {
    const token = await f.t
      .http()
      .post('/auth/login')
      .set('Authorization', basic(f.user.username, PASSWORD));
    expect(token.status).toBe(200);
    const refused = await f.t
      .http()
      .post('/auth/login')
      .set('Authorization', basic(f.user.username, 'wrong-password'));
    expect(refused.status).toBe(401);
    const jwt = await f.t
      .http()
      .post('/v1/auth')
      .send({ username: f.user.username, password: 'wrong-password' });
    expect(jwt.status).toBe(401);
  });

  it('keeps the limiter’s 429 and Retry-After, in the envelope', async () => {
    let res: Response;
    let calls = 0;
    do {
      res = await matchPassword(f.t, f.session, { password: 'the-password-1', hash: f.hash });
      calls += 1;
    } while (res.status !== 429 && calls <= 20);
    expectFailure(res, 429, 'FAILURE');
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });
});

describe.each([
  ['semantic', 401],
  ['original', 200],
] as const)('Session API: SSO off, with SESSION_API_HTTP_STATUS=%s', (setting, refusedStatus) => {
  let t: TestApp;
  let user: Registered;

  beforeAll(async () => {
    t = await startTestApp({ SESSION_API_HTTP_STATUS: setting });
    user = await registerUser(t, {}, uniqueName('sso-off'));
  });
  afterAll(() => t.close());

  it.each(['/auth/login', '/auth/ssologin'] as const)(
    'answers %s with NOTFOUND, as the original, and opens no session',
    async (path) => {
      expectSsoRefused(await ssoLogin(t, path, { 'X-Remote-User': user.username }), refusedStatus);
      expect(await sessionCount(t, user.id)).toBe(0);
    },
  );
});
