import { generateKeyPairSync, sign } from 'node:crypto';
import { Clock } from '../../src/clock/clock.service.js';
import { migrations } from '../../src/database/migrations/index.js';
import { CredentialVersion1764700000000 } from '../../src/database/migrations/1764700000000-credential-version.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { UsersService } from '../../src/user-store/users.service.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  sessionFor,
  tokenStatus,
  withSession,
  type Credentials,
} from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { scratchSchema, type ScratchSchema } from '../support/migrations.js';
import { decodeJwt, registerUser, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * Every access JWT carries its user's credential version, and is live only while that is still
 * the user's: a password set (self-service, admin reset, ADMIN_PASSWORD), a disable, a change of
 * privilege or scope moves it. Each token is asked about wherever one is taken: the Security
 * API's token check, privilegeToken, REST-auth's token-as-username and self-service.
 */

const PASSWORD = 'version-test-pass-1';
const NEW_PASSWORD = 'version-test-pass-2';
const ADMIN = { username: 'cv-admin', password: 'cv-admin-pass-1' };

/** The key Gatehouse signs with, so that a token as issued before the claim existed can be made. */
const SIGNING_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const SIGNING_PEM = SIGNING_KEY.export({ type: 'pkcs8', format: 'pem' }).toString();

/**
 * Stops time a minute ahead for what dates a token and a password change, jsonwebtoken's
 * `Date.now()` (the `iat`) and Gatehouse's Clock: a token minted just before a change then has the
 * change's own second as its `iat`, the case whole seconds cannot tell apart.
 */
function stopTimeAhead(): number {
  const at = Date.now() + 60_000;
  vi.spyOn(Date, 'now').mockReturnValue(at);
  vi.spyOn(Clock.prototype, 'now').mockImplementation(() => new Date(at));
  return Math.floor(at / 1000);
}

/** The second of the user's last password change, as stored. */
async function changeSecond(t: TestApp, id: number): Promise<number> {
  const { credentialsChangedAt } = await t.db.getRepository(User).findOneByOrFail({ id });
  return Math.floor(credentialsChangedAt.getTime() / 1000);
}

type Verdicts = Record<'security' | 'privilegeToken' | 'resource' | 'me', string | number>;
const LIVE: Verdicts = { security: 'valid', privilegeToken: 200, resource: 200, me: 200 };
const DEAD: Verdicts = { security: 'invalid', privilegeToken: 401, resource: 401, me: 401 };

/** What each route that takes an access JWT answers for `jwt`. */
async function verdicts(t: TestApp, jwt: string): Promise<Verdicts> {
  const status = async (path: string, authorization: string) =>
    (await t.http().get(path).set('Authorization', authorization)).status;
  return {
    security: await tokenStatus(t, jwt),
    privilegeToken: await status('/api/v1/security/privilegeToken', `Bearer ${jwt}`),
    resource: await status('/api/resource', basic(jwt, 'x')),
    me: await status('/api/me', `Bearer ${jwt}`),
  };
}

/** REST-auth's refresh: a fresh token for the token given as the Basic username, or the status. */
async function refresh(t: TestApp, jwt: string): Promise<string | number> {
  const res = await t.http().get('/api/token').set('Authorization', basic(jwt, 'x'));
  return res.status === 200 ? (res.body.token as string) : res.status;
}

async function adminJwt(t: TestApp): Promise<string> {
  return accessTokenFor(t, ADMIN);
}

async function patchUser(t: TestApp, id: number, body: object): Promise<void> {
  const res = await t
    .http()
    .patch(`/api/admin/users/${id}`)
    .set('Authorization', `Bearer ${await adminJwt(t)}`)
    .send(body);
  expect(res.status).toBe(200);
}

async function changeOwnPassword(t: TestApp, user: Credentials): Promise<void> {
  const res = await withSession(t.http().post('/api/me/password'), await sessionFor(t, user)).send({
    oldPassword: user.password,
    newPassword: NEW_PASSWORD,
  });
  expect(res.status).toBe(204);
}

async function resetPassword(t: TestApp, user: TestUser): Promise<void> {
  const res = await t
    .http()
    .post(`/api/admin/users/${user.id}/password`)
    .set('Authorization', `Bearer ${await adminJwt(t)}`)
    .send({ password: NEW_PASSWORD });
  expect(res.status).toBe(204);
}

describe('access JWTs and the changes that end them', () => {
  let t: TestApp;
  const newUser = (prefix = 'cv') => registerUser(t, uniqueName(prefix), PASSWORD);

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });
  afterAll(() => t.close());

  describe('a password set ends every JWT issued before it, in whatever second', () => {
    afterEach(() => vi.restoreAllMocks());

    it('by a self-service change: the JWT minted just before is dead, one minted after lives', async () => {
      const user = await newUser();
      const second = stopTimeAhead();
      const before = await accessTokenFor(t, user);
      expect(await verdicts(t, before)).toEqual(LIVE);

      await changeOwnPassword(t, user);

      expect(await verdicts(t, before)).toEqual(DEAD);
      expect([decodeJwt(before).payload.iat, await changeSecond(t, user.id)]).toEqual([
        second,
        second,
      ]);
      const after = await accessTokenFor(t, { ...user, password: NEW_PASSWORD });
      expect(decodeJwt(after).payload.iat).toBe(second);
      expect(await verdicts(t, after)).toEqual(LIVE);
    });

    it('by an admin reset: the same', async () => {
      const user = await newUser();
      const second = stopTimeAhead();
      const before = await accessTokenFor(t, user);
      expect(await verdicts(t, before)).toEqual(LIVE);

      await resetPassword(t, user);

      expect(await verdicts(t, before)).toEqual(DEAD);
      expect(await changeSecond(t, user.id)).toBe(second);
      const after = await accessTokenFor(t, { ...user, password: NEW_PASSWORD });
      expect(await verdicts(t, after)).toEqual(LIVE);
    });

    it('a token-as-username refresh carries no access across the change', async () => {
      const user = await newUser();
      stopTimeAhead();
      const stolen = await accessTokenFor(t, user);
      const refreshed = await refresh(t, stolen);
      expect(typeof refreshed).toBe('string');

      await resetPassword(t, user);

      expect(await refresh(t, stolen)).toBe(401);
      expect(await refresh(t, refreshed as string)).toBe(401);
      expect(await verdicts(t, refreshed as string)).toEqual(DEAD);
    });
  });

  describe('a disable ends JWTs for good', () => {
    it('disable: dead; enable again: still dead; a login after it: live', async () => {
      const user = await newUser();
      const before = await accessTokenFor(t, user);
      expect(await verdicts(t, before)).toEqual(LIVE);

      await patchUser(t, user.id, { enabled: false });
      expect(await verdicts(t, before)).toEqual(DEAD);
      await patchUser(t, user.id, { enabled: true });
      expect(await verdicts(t, before)).toEqual(DEAD);
      expect(await refresh(t, before)).toBe(401);

      expect(await verdicts(t, await accessTokenFor(t, user))).toEqual(LIVE);
    });
  });

  describe('a change of privilege or scope ends the JWTs that carry the old claims', () => {
    it('demoting an admin: the JWT saying sub_type admin is invalid and reaches no admin route', async () => {
      const other = await newUser('cv-admin2');
      await patchUser(t, other.id, { privilege: 'admin' });
      const asAdmin = await accessTokenFor(t, other);
      expect(decodeJwt(asAdmin).payload.sub_type).toBe('admin');
      const listUsers = () =>
        t.http().get('/api/admin/users').set('Authorization', `Bearer ${asAdmin}`);
      expect((await listUsers()).status).toBe(200);
      expect(await tokenStatus(t, asAdmin)).toBe('valid');

      await patchUser(t, other.id, { privilege: 'user' });

      expect(await tokenStatus(t, asAdmin)).toBe('invalid');
      expect((await listUsers()).status).toBe(401);
      expect(await verdicts(t, asAdmin)).toEqual(DEAD);
      const asUser = await accessTokenFor(t, other);
      expect(decodeJwt(asUser).payload.sub_type).toBe('user');
      expect(await verdicts(t, asUser)).toEqual(LIVE);
    });

    it('a scope set by an admin or by users:set-scope: the JWT with the old scope is invalid', async () => {
      const user = await newUser();
      const unscoped = await accessTokenFor(t, user);
      // A change that leaves every claim as it is keeps the token.
      await patchUser(t, user.id, { firstName: 'Kept', privilege: 'user', enabled: true });
      expect(await verdicts(t, unscoped)).toEqual(LIVE);

      await patchUser(t, user.id, { scope: 'orders:read' });
      expect(await verdicts(t, unscoped)).toEqual(DEAD);
      const scoped = await accessTokenFor(t, user);
      expect(decodeJwt(scoped).payload.scope).toBe('orders:read');
      expect(await verdicts(t, scoped)).toEqual(LIVE);

      await t.app.get(UsersService).setScope(user.username, 'orders:write');
      expect(await verdicts(t, scoped)).toEqual(DEAD);
      expect(await verdicts(t, await accessTokenFor(t, user))).toEqual(LIVE);
    });
  });
});

describe('ADMIN_PASSWORD brought in line at start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());
  afterEach(() => vi.restoreAllMocks());

  it("ends the admin's JWTs issued under the old password, in the same second too", async () => {
    stopTimeAhead();
    const first = await startTestApp(
      { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password },
      database,
    );
    const before = await accessTokenFor(first, ADMIN);
    expect(await tokenStatus(first, before)).toBe('valid');
    await first.close();

    const restarted = await startTestApp(
      { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: NEW_PASSWORD },
      database,
    );
    try {
      expect(await verdicts(restarted, before)).toEqual(DEAD);
      const after = await accessTokenFor(restarted, { ...ADMIN, password: NEW_PASSWORD });
      expect(await verdicts(restarted, after)).toEqual(LIVE);
    } finally {
      await restarted.close();
    }
  });
});

describe('tokens issued before the credential version existed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ JWT_PRIVATE_KEY: SIGNING_PEM.replace(/\n/g, '\\n') });
  });
  afterAll(() => t.close());

  /** `jwt` as the code before the claim signed it: the same claims without `cv`. */
  function withoutVersion(jwt: string): string {
    const { header, payload } = decodeJwt(jwt);
    const { cv, ...older } = payload;
    expect(cv).toBe(0);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${part(header)}.${part(older)}`;
    return `${input}.${sign('sha256', Buffer.from(input), SIGNING_KEY).toString('base64url')}`;
  }

  it('count as version 0: valid while nothing changed, dead after a change', async () => {
    const user = await registerUser(t, uniqueName('legacy'), PASSWORD);
    const legacy = withoutVersion(await accessTokenFor(t, user));
    expect(decodeJwt(legacy).payload).not.toHaveProperty('cv');
    expect(await verdicts(t, legacy)).toEqual(LIVE);

    const profile = await t
      .http()
      .patch('/api/me')
      .set('Authorization', `Bearer ${legacy}`)
      .send({ firstName: 'Legacy' });
    expect(profile.status).toBe(200);
    expect(await verdicts(t, legacy)).toEqual(LIVE);

    await changeOwnPassword(t, user);
    expect(await verdicts(t, legacy)).toEqual(DEAD);
  });
});

describe('migration CredentialVersion', () => {
  const index = migrations.indexOf(CredentialVersion1764700000000);
  let schema: ScratchSchema;
  beforeAll(async () => {
    schema = await scratchSchema();
  });
  afterAll(() => schema.close());

  it('adds version 0 to the users there are, keeps the epoch triggers, and goes down again', async () => {
    await schema.migratedTo(index);
    await schema.query(
      `INSERT INTO "user" ("username", "usernameKey", "passwordHash", "credentialsChangedAt") ` +
        `VALUES ('old', 'old', 'x', CURRENT_TIMESTAMP)`,
    );

    await schema.migratedTo(index + 1);
    expect(await schema.query('SELECT "credentialVersion" FROM "user"')).toEqual([
      { credentialVersion: 0 },
    ]);
    expect(
      await schema.movesEpoch('UPDATE "user" SET "credentialVersion" = "credentialVersion" + 1'),
    ).toBe(true);
    expect(await schema.movesEpoch('UPDATE "user" SET "enabled" = false')).toBe(true);
    expect(await schema.movesEpoch('UPDATE "user" SET "firstName" = \'x\'')).toBe(false);

    await schema.undoLast();
    await expect(schema.query('SELECT "credentialVersion" FROM "user"')).rejects.toThrow();
    expect(await schema.movesEpoch('UPDATE "user" SET "enabled" = true')).toBe(true);
    expect(await schema.movesEpoch('DELETE FROM "user"')).toBe(true);
  });
});
