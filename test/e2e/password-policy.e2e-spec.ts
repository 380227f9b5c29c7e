import bcrypt from 'bcrypt';
import { loadAppConfig } from '../../src/config/app-config.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  type LiveSessionCredential,
  sessionFor,
  SESSION_COOKIE,
  userTokenFor,
} from '../support/credentials.js';
import { registerUser, sql, uniqueName } from '../support/fixtures.js';

/**
 * The password policy: one password whatever keyboard typed it (NFKC before hashing and
 * checking, hashes made before still verify), and none of the most common passwords set anywhere.
 */

const ADMIN = { username: 'policy-admin', password: 'violet-anchor-admin-77' };
const PASSWORD = 'violet-anchor-quarry-31';
const COMMON = 'password1';
const REFUSED =
  'password is among the most common passwords, which attackers try first; choose another';

let t: TestApp;
let adminJwt: string;

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  adminJwt = await accessTokenFor(t, ADMIN);
});
afterAll(() => t.close());

const register = (app: TestApp, username: string, password: string) =>
  app.http().post('/api/users').send({ username, password });

const resource = (username: string, password: string) =>
  t.http().get('/api/resource').set('Authorization', basic(username, password));

function hashPassword(session: LiveSessionCredential, body: object) {
  return t
    .http()
    .post('/auth/hashpassword')
    .query({ sid: session.sid })
    .set('Cookie', `${SESSION_COOKIE}=${session.secret}`)
    .send(body);
}

describe('one password whatever keyboard typed it (NFKC)', () => {
  it.each([
    ['fullwidth letters', 'ｖｉｏｌｅｔ-ａｎｃｈｏｒ-91', 'violet-anchor-91'],
    ['a ligature', 'ﬁnch-lantern-quarry', 'finch-lantern-quarry'],
    ['a combining accent', 'cafe\u0301-lantern-quarry', 'café-lantern-quarry'],
  ])(
    'registers with %s and logs in with the NFKC-equivalent form, and back',
    async (_, typed, nfkc) => {
      const user = await registerUser(t, uniqueName('nfkc'), typed);
      expect((await resource(user.username, nfkc)).status).toBe(200);
      expect((await resource(user.username, typed)).status).toBe(200);
      await accessTokenFor(t, { username: user.username, password: nfkc });
      expect((await resource(user.username, `${nfkc}x`)).status).toBe(401);

      const other = await registerUser(t, uniqueName('nfkc'), nfkc);
      expect((await resource(other.username, typed)).status).toBe(200);
    },
  );

  it('still logs in with a hash made of the raw form before passwords were normalized', async () => {
    const raw = 'ｑｕａｒｒｙ-ﬁnch-48';
    const user = await registerUser(t, uniqueName('legacy'), PASSWORD);
    await sql(t, 'UPDATE "user" SET "passwordHash" = $1 WHERE "id" = $2', [
      bcrypt.hashSync(raw, 4),
      user.id,
    ]);
    expect((await resource(user.username, raw)).status).toBe(200);
    await accessTokenFor(t, { username: user.username, password: raw });
    expect((await resource(user.username, PASSWORD)).status).toBe(401);
  });

  it('counts the length in characters of the normalized form', async () => {
    // Six characters as typed, eleven ('ffiffl' 'kg' 'orb') once normalized: long enough.
    const expanding = await registerUser(t, uniqueName('long'), 'ﬃﬄ㎏ｏｒｂ');
    expect((await resource(expanding.username, 'ffifflkgorb')).status).toBe(200);
    // Eleven code points as typed (four letters each with a combining accent, three more), seven
    // once each pair is composed: too short.
    const res = await register(t, uniqueName('short'), `${'e\u0301'.repeat(4)}abc`);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('password must be at least 8 characters');
  });
});

describe('the most common passwords are refused wherever a password is set', () => {
  it('at registration (REST-auth: 400, with the message)', async () => {
    const username = uniqueName('common');
    for (const password of [COMMON, 'PassWord1', 'ｐａｓｓｗｏｒｄ１', 'iloveyou', 'sunshine']) {
      const res = await register(t, username, password);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(REFUSED);
    }
    expect(await sql(t, 'SELECT "id" FROM "user" WHERE "usernameKey" = $1', [username])).toEqual(
      [],
    );
  });

  it('at a self-service change (400 naming newPassword), and the old password still works', async () => {
    const user = await registerUser(t, uniqueName('change'), PASSWORD);
    const token = await userTokenFor(t, user);
    const res = await t
      .http()
      .post('/api/me/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ oldPassword: PASSWORD, newPassword: COMMON });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(REFUSED.replace(/^password/, 'newPassword'));
    expect((await resource(user.username, PASSWORD)).status).toBe(200);
    expect((await resource(user.username, COMMON)).status).toBe(401);
  });

  it('at an admin reset (400), and the old password still works', async () => {
    const user = await registerUser(t, uniqueName('reset'), PASSWORD);
    const res = await t
      .http()
      .post(`/api/admin/users/${user.id}/password`)
      .set('Authorization', `Bearer ${adminJwt}`)
      .send({ password: COMMON });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(REFUSED);
    expect((await resource(user.username, PASSWORD)).status).toBe(200);
  });

  it('at hashpassword (session API: 400 INVALIDDATA naming the field), and no hash is made', async () => {
    const user = await registerUser(t, uniqueName('hash'), PASSWORD);
    const session = await sessionFor(t, user);
    const res = await hashPassword(session, { password: COMMON, userId: user.id });
    expect(res.status).toBe(400);
    expect(res.body.hash).toBeUndefined();
    expect(res.body.responseInfo.responseCode).toBe('INVALIDDATA');
    expect(res.body.messages).toEqual([
      expect.objectContaining({ fieldName: 'password', message: REFUSED }),
    ]);
    const uncommon = await hashPassword(session, { password: PASSWORD, userId: user.id });
    expect(uncommon.status).toBe(201);
  });

  it('but matchpassword, a question about a hash, answers for a common password too', async () => {
    const user = await registerUser(t, uniqueName('match'), PASSWORD);
    const session = await sessionFor(t, user);
    const res = await t
      .http()
      .post('/auth/matchpassword')
      .query({ sid: session.sid })
      .set('Cookie', `${SESSION_COOKIE}=${session.secret}`)
      .send({ password: COMMON, hash: bcrypt.hashSync(COMMON, 4) });
    expect(res.status).toBe(201);
    expect(res.body.responseInfo.responseCode).toBe('OK');
  });

  it('and a user whose password is now common still logs in with it', async () => {
    const user = await registerUser(t, uniqueName('older'), PASSWORD);
    await sql(t, 'UPDATE "user" SET "passwordHash" = $1 WHERE "id" = $2', [
      bcrypt.hashSync(COMMON, 4),
      user.id,
    ]);
    expect((await resource(user.username, COMMON)).status).toBe(200);
  });
});

describe('PASSWORD_REFUSE_COMMON', () => {
  it('false admits a common password, which then logs in', async () => {
    const lenient = await startTestApp({ PASSWORD_REFUSE_COMMON: 'false' });
    try {
      const username = uniqueName('lenient');
      expect((await register(lenient, username, COMMON)).status).toBe(201);
      const login = await lenient
        .http()
        .get('/api/resource')
        .set('Authorization', basic(username, COMMON));
      expect(login.status).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('with PASSWORD_MIN_LENGTH=6 admits the documents’ own example passwords', () => {
    const lenient = { PASSWORD_MIN_LENGTH: '6', PASSWORD_REFUSE_COMMON: 'false' };
    for (const password of ['newpwd', 'changeme']) {
      expect(() => loadAppConfig({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: password })).toThrow(
        /ADMIN_PASSWORD/,
      );
      expect(
        loadAppConfig({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: password, ...lenient }).admin,
      ).toEqual({ username: 'admin', password });
    }
  });
});

describe('ADMIN_PASSWORD at start', () => {
  it('a common one stops the start with one line naming ADMIN_PASSWORD, never the value', () => {
    let message = '';
    try {
      loadAppConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'Sunshine1' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`Invalid configuration: ADMIN_PASSWORD: ${REFUSED}`);
    expect(message).not.toContain('\n');
    expect(message.toLowerCase()).not.toContain('sunshine1');
  });

  it('is judged on its normalized form', () => {
    expect(() =>
      loadAppConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'ｓｕｎｓｈｉｎｅ１' }),
    ).toThrow(/ADMIN_PASSWORD: password is among the most common passwords/);
    expect(
      loadAppConfig({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'ｖｉｏｌｅｔ-ａｎｃｈｏｒ' }).admin,
    ).not.toBeNull();
  });
});
