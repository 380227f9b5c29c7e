import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock } from '../support/clock.js';
import {
  accessTokenFor,
  everyCredentialOf,
  sessionFor,
  sessionIsLive,
  stillLive,
  tokenStatus,
  userTokenFor,
  withSession,
  type EveryCredential,
} from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The administration API under /api/admin, black-box over HTTP: who may call it (an admin by
 * access JWT or session), users, groups, credentials and keys, and that what it ends is ended
 * at once for the token and session checks.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'the-admin', password: 'admin-password-1' };
const HASH_OR_SECRET = /\$2[aby]\$|passwordHash|secretHash|tokenHash|[0-9a-f]{64}/;

type Request = ReturnType<ReturnType<TestApp['http']>['get']>;

let t: TestApp;
let adminJwt: string;
let admin: TestUser;

const newUser = (prefix = 'member', profile: Record<string, string> = {}) =>
  registerUser(t, uniqueName(prefix), PASSWORD, profile);

/** `req` as the admin, by access JWT. */
const asAdmin = (req: Request) => req.set('Authorization', `Bearer ${adminJwt}`);
const get = (path: string) => asAdmin(t.http().get(path));
const patch = (path: string, body: object) => asAdmin(t.http().patch(path).send(body));
const post = (path: string, body: object = {}) => asAdmin(t.http().post(path).send(body));
const put = (path: string, body: object) => asAdmin(t.http().put(path).send(body));
const del = (path: string) => asAdmin(t.http().delete(path));

function expectError(res: { status: number; body: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(res.body.statusCode).toBe(status);
}

/** None of `credentials` is live any more, by the checks other services make. */
async function expectAllDead(credentials: EveryCredential) {
  expect(await stillLive(t, credentials)).toEqual({
    jwt: false,
    userToken: false,
    restToken: false,
    session: false,
  });
}

async function auditEvents(type: string): Promise<Record<string, unknown>[]> {
  return sql(t, 'SELECT * FROM "audit_event" WHERE "type" = $1 ORDER BY "id"', [type]);
}

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  adminJwt = await accessTokenFor(t, ADMIN);
  admin = { ...ADMIN, id: Number(decodeJwt(adminJwt).payload.sub) };
});
afterAll(() => t.close());

describe('who may call /api/admin', () => {
  it('answers 401 in the default dialect without a credential', async () => {
    const res = await t.http().get('/api/admin/users');
    expectError(res, 401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 401 for a bad, revoked or malformed Bearer token', async () => {
    for (const authorization of ['Bearer nope', 'Bearer a.b.c', `Basic ${basic('a', 'b')}`]) {
      expectError(await t.http().get('/api/admin/users').set('Authorization', authorization), 401);
    }
    const jwt = await accessTokenFor(t, ADMIN);
    await post('/api/admin/revoked-tokens', { jti: decodeJwt(jwt).payload.jti });
    expectError(await t.http().get('/api/admin/users').set('Authorization', `Bearer ${jwt}`), 401);
  });

  it('answers 403 to a user who is not an admin, by JWT or session', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    expectError(await t.http().get('/api/admin/users').set('Authorization', `Bearer ${jwt}`), 403);
    const session = await sessionFor(t, user);
    expectError(await withSession(t.http().get('/api/admin/users'), session), 403);
  });

  it("does not take user tokens, even an admin's", async () => {
    const token = await userTokenFor(t, ADMIN);
    expectError(
      await t.http().get('/api/admin/users').set('Authorization', `Bearer ${token}`),
      401,
    );
  });

  it('lets the admin in by access JWT, and by session (X-Session-Id or ?sid=, secret in the cookie)', async () => {
    expect((await get('/api/admin/users')).status).toBe(200);
    const session = await sessionFor(t, ADMIN);
    expect((await withSession(t.http().get('/api/admin/users'), session)).status).toBe(200);
    const bySidQuery = await t
      .http()
      .get('/api/admin/users')
      .query({ sid: session.sid })
      .set('Cookie', `GCN_SESSION_SECRET=${session.secret}`);
    expect(bySidQuery.status).toBe(200);
    const wrongSecret = { sid: session.sid, secret: 'f'.repeat(64) };
    expectError(await withSession(t.http().get('/api/admin/users'), wrongSecret), 401);
    expectError(await t.http().get('/api/admin/users').set('X-Session-Id', session.sid), 401);
  });

  it('stops a demoted admin at once, though their JWT says sub_type admin', async () => {
    const other = await newUser('second-admin');
    await patch(`/api/admin/users/${other.id}`, { privilege: 'admin' }).expect(200);
    const jwt = await accessTokenFor(t, other);
    expect(decodeJwt(jwt).payload.sub_type).toBe('admin');
    const asOther = () => t.http().get('/api/admin/users').set('Authorization', `Bearer ${jwt}`);
    expect((await asOther()).status).toBe(200);
    await patch(`/api/admin/users/${other.id}`, { privilege: 'user' }).expect(200);
    // The demotion ends the JWT that carries the admin claims; a new one is a user's.
    expectError(await asOther(), 401);
    const asUser = await accessTokenFor(t, other);
    expectError(
      await t.http().get('/api/admin/users').set('Authorization', `Bearer ${asUser}`),
      403,
    );
  });
});

describe('users', () => {
  it('lists users in pages of limit (default 50, at most 500) from offset, with the total', async () => {
    for (let i = 0; i < 3; i += 1) await newUser('pager');
    const all = await get('/api/admin/users').query({ q: 'pager' });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(all.body.items).toHaveLength(3);
    const page = await get('/api/admin/users').query({ q: 'pager', limit: 2, offset: 1 });
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.body.items.map((u: { id: number }) => u.id)).toEqual(
      all.body.items.slice(1).map((u: { id: number }) => u.id),
    );
    expect(JSON.stringify(all.body)).not.toMatch(HASH_OR_SECRET);
  });

  it('refuses a bad page or filter with 400', async () => {
    for (const query of [
      { limit: 501 },
      { limit: 0 },
      { limit: 'ten' },
      { offset: -1 },
      { privilege: 'root' },
      { enabled: 'yes' },
      { q: 'a\0b' },
      { q: 'x'.repeat(65) },
    ]) {
      expectError(await get('/api/admin/users').query(query), 400);
    }
  });

  it('filters by username prefix (any case, wildcards taken literally), privilege and enabled', async () => {
    const upper = await registerUser(t, 'Prefix_Case', PASSWORD);
    await registerUser(t, 'PrefixXCase', PASSWORD);
    const literal = await get('/api/admin/users').query({ q: 'prefix_' });
    expect(literal.body.items.map((u: { id: number }) => u.id)).toEqual([upper.id]);
    expect((await get('/api/admin/users').query({ q: 'PREFIX' })).body.total).toBe(2);
    expect((await get('/api/admin/users').query({ q: '%' })).body.total).toBe(0);

    const admins = await get('/api/admin/users').query({ privilege: 'admin' });
    expect(admins.body.items.every((u: { privilege: string }) => u.privilege === 'admin')).toBe(
      true,
    );
    expect(admins.body.items.map((u: { id: number }) => u.id)).toContain(admin.id);

    await patch(`/api/admin/users/${upper.id}`, { enabled: false }).expect(200);
    const disabled = await get('/api/admin/users').query({ enabled: 'false', q: 'prefix' });
    expect(disabled.body.items.map((u: { id: number }) => u.id)).toEqual([upper.id]);
    const enabled = await get('/api/admin/users').query({ enabled: 'true', q: 'prefix' });
    expect(enabled.body.total).toBe(1);
  });

  it('reads one user with every field but the hash', async () => {
    const user = await newUser('reader', { firstName: 'Tony', email: 'tony@example.com' });
    const res = await get(`/api/admin/users/${user.id}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'createdAt',
        'description',
        'email',
        'enabled',
        'firstName',
        'groups',
        'id',
        'lastLoginTime',
        'lastName',
        'lockedUntil',
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
      id: user.id,
      username: user.username,
      secondFactor: false,
      privilege: 'user',
      firstName: 'Tony',
      email: 'tony@example.com',
      enabled: true,
      groups: [],
      passkeys: [],
      lockedUntil: null,
    });
    expect(JSON.stringify(res.body)).not.toMatch(HASH_OR_SECRET);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectError(await get('/api/admin/users/999999'), 404);
    for (const id of ['abc', '0', '-1', '99999999999', '1.5']) {
      expectError(await get(`/api/admin/users/${id}`), 400);
    }
    expectError(await patch('/api/admin/users/999999', { firstName: 'x' }), 404);
    expectError(await del('/api/admin/users/999999'), 404);
    expectError(await post('/api/admin/users/999999/password', { password: 'long-enough-1' }), 404);
  });

  it('changes privilege, scope, profile and groups, but never sets a public key', async () => {
    const user = await newUser('changed');
    const { publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expectError(await patch(`/api/admin/users/${user.id}`, { publicKey: pem }), 400);
    const res = await patch(`/api/admin/users/${user.id}`, {
      privilege: 'admin',
      scope: 'orders:read orders:write',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      description: 'Analyst',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      privilege: 'admin',
      scope: 'orders:read orders:write',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      description: 'Analyst',
      publicKey: null,
    });
    const jwt = await accessTokenFor(t, user);
    expect(decodeJwt(jwt).payload).toMatchObject({
      sub_type: 'admin',
      scope: 'orders:read orders:write',
    });
    const cleared = await patch(`/api/admin/users/${user.id}`, {
      scope: null,
      firstName: null,
    });
    expect(cleared.body).toMatchObject({ scope: null, firstName: null });
    expect(cleared.body.lastName).toBe('Lovelace');
  });

  it('refuses bad changes with 400', async () => {
    const user = await newUser('refused');
    for (const body of [
      { privilege: 'root' },
      { privilege: null },
      { enabled: 'no' },
      { enabled: null },
      { scope: 'bad"scope' },
      { email: 'not-an-email' },
      { firstName: 'x'.repeat(129) },
      { publicKey: 'not a key' },
      { groups: 'all' },
      { groups: [0] },
      { groups: ['1'] },
    ]) {
      expectError(await patch(`/api/admin/users/${user.id}`, body), 400);
    }
    expectError(
      await asAdmin(t.http().patch(`/api/admin/users/${user.id}`).type('json').send('{')),
      400,
    );
  });

  it('keeps an admin from disabling, demoting or deleting themselves (409)', async () => {
    expectError(await patch(`/api/admin/users/${admin.id}`, { enabled: false }), 409);
    expectError(await patch(`/api/admin/users/${admin.id}`, { privilege: 'user' }), 409);
    expectError(await del(`/api/admin/users/${admin.id}`), 409);
    const self = await get(`/api/admin/users/${admin.id}`);
    expect(self.body).toMatchObject({ privilege: 'admin', enabled: true });
  });

  it('disabling ends every user token, session and access JWT of the user at once', async () => {
    const user = await newUser('disabled');
    const credentials = await everyCredentialOf(t, user);
    expect(await tokenStatus(t, credentials.jwt)).toBe('valid');
    expect(await tokenStatus(t, credentials.userToken)).toBe('valid');
    expect(await sessionIsLive(t, credentials.session)).toBe(true);

    await patch(`/api/admin/users/${user.id}`, { enabled: false }).expect(200);
    await expectAllDead(credentials);
    const stored = await sql(t, 'SELECT COUNT(*) AS "n" FROM "session" WHERE "userId" = $1', [
      user.id,
    ]);
    expect(Number(stored[0].n)).toBe(0);
    const tokens = await sql(t, 'SELECT COUNT(*) AS "n" FROM "user_token" WHERE "userId" = $1', [
      user.id,
    ]);
    expect(Number(tokens[0].n)).toBe(0);
    expect((await t.http().post('/v1/auth').send(user)).status).toBe(401);

    await patch(`/api/admin/users/${user.id}`, { enabled: true }).expect(200);
    expect(await tokenStatus(t, await accessTokenFor(t, user))).toBe('valid');
  });

  it('a password reset ends everything at once; the new password works, the old does not', async () => {
    const user = await newUser('reset');
    const credentials = await everyCredentialOf(t, user);
    expectError(await post(`/api/admin/users/${user.id}/password`, { password: 'short' }), 400);
    expectError(await post(`/api/admin/users/${user.id}/password`, {}), 400);
    const res = await post(`/api/admin/users/${user.id}/password`, {
      password: 'brand-new-pass-1',
    });
    expect(res.status).toBe(204);
    await expectAllDead(credentials);
    expect((await t.http().post('/v1/auth').send(user)).status).toBe(401);
    await accessTokenFor(t, { username: user.username, password: 'brand-new-pass-1' });
  });

  it('shows a lockout, which a password reset lifts', async () => {
    const user = await newUser('locked');
    for (let i = 0; i < 5; i += 1) {
      await t.http().post('/v1/auth').send({ username: user.username, password: 'wrong-password' });
    }
    const locked = await get(`/api/admin/users/${user.id}`);
    expect(Date.parse(locked.body.lockedUntil as string)).toBeGreaterThan(Date.now());
    await post(`/api/admin/users/${user.id}/password`, { password: 'unlocked-pass-1' }).expect(204);
    expect((await get(`/api/admin/users/${user.id}`)).body.lockedUntil).toBeNull();
    await accessTokenFor(t, { username: user.username, password: 'unlocked-pass-1' });
  });

  it('changes nothing, and records nothing, for an empty change', async () => {
    const user = await newUser('untouched');
    const before = (await auditEvents('admin.change')).length;
    const res = await patch(`/api/admin/users/${user.id}`, {});
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(user.id);
    expect((await auditEvents('admin.change')).length).toBe(before);
  });

  it('deleting a user ends everything at once; the user is gone', async () => {
    const user = await newUser('deleted');
    const credentials = await everyCredentialOf(t, user);
    expect((await del(`/api/admin/users/${user.id}`)).status).toBe(204);
    await expectAllDead(credentials);
    expectError(await get(`/api/admin/users/${user.id}`), 404);
    expectError(await del(`/api/admin/users/${user.id}`), 404);
  });
});

describe('groups', () => {
  const createGroup = async (body: object) => {
    const res = await post('/api/admin/groups', body);
    expect(res.status).toBe(201);
    return res.body as { id: number; name: string; parentId: number | null };
  };

  it('creates, nests, renames and moves groups, as a tree', async () => {
    const root = await createGroup({ name: 'tree-root', description: 'Top' });
    const child = await createGroup({ name: 'tree-child', parentId: root.id });
    const grandchild = await createGroup({ name: 'tree-grandchild', parentId: child.id });
    expect(child.parentId).toBe(root.id);

    const tree = await get('/api/admin/groups');
    expect(tree.status).toBe(200);
    const node = tree.body.find((g: { id: number }) => g.id === root.id);
    expect(node).toMatchObject({
      name: 'tree-root',
      description: 'Top',
      parentId: null,
      userCount: 0,
      children: [
        {
          id: child.id,
          children: [{ id: grandchild.id, parentId: child.id, children: [] }],
        },
      ],
    });

    const renamed = await patch(`/api/admin/groups/${child.id}`, { name: 'tree-renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'tree-renamed', parentId: root.id });

    const moved = await patch(`/api/admin/groups/${grandchild.id}`, { parentId: null });
    expect(moved.body.parentId).toBeNull();
    const reparented = await patch(`/api/admin/groups/${grandchild.id}`, { parentId: root.id });
    expect(reparented.body.parentId).toBe(root.id);
  });

  it('refuses a move under itself or a descendant (409), an unknown parent (404), a taken name (409)', async () => {
    const a = await createGroup({ name: 'cycle-a' });
    const b = await createGroup({ name: 'cycle-b', parentId: a.id });
    const c = await createGroup({ name: 'cycle-c', parentId: b.id });
    expectError(await patch(`/api/admin/groups/${a.id}`, { parentId: a.id }), 409);
    expectError(await patch(`/api/admin/groups/${a.id}`, { parentId: c.id }), 409);
    expectError(await patch(`/api/admin/groups/${b.id}`, { parentId: c.id }), 409);
    expectError(await patch(`/api/admin/groups/${a.id}`, { parentId: 999999 }), 404);
    expectError(await post('/api/admin/groups', { name: 'orphan', parentId: 999999 }), 404);
    expectError(await post('/api/admin/groups', { name: 'cycle-a' }), 409);
    expectError(await patch(`/api/admin/groups/${b.id}`, { name: 'cycle-a' }), 409);
    const unchanged = await get('/api/admin/groups');
    expect(unchanged.body.find((g: { id: number }) => g.id === a.id).parentId).toBeNull();
  });

  it('refuses malformed groups with 400 and unknown ids with 404', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(129) },
      { name: 5 },
      { name: 'ok', parentId: 'one' },
    ]) {
      expectError(await post('/api/admin/groups', body), 400);
    }
    expectError(await patch('/api/admin/groups/999999', { name: 'nobody' }), 404);
    expectError(await del('/api/admin/groups/999999'), 404);
    expectError(await del('/api/admin/groups/abc'), 400);
  });

  it('assigns users to groups, which the session API then returns', async () => {
    const parent = await createGroup({ name: 'assign-parent' });
    const child = await createGroup({ name: 'assign-child', parentId: parent.id });
    const user = await newUser('grouped');
    const set = await put(`/api/admin/users/${user.id}/groups`, { groups: [parent.id] });
    expect(set.status).toBe(200);
    expect(set.body.groups).toEqual([{ id: parent.id, name: 'assign-parent' }]);

    const session = await sessionFor(t, user);
    const validated = await t.http().get(`/auth/validate/${session.sid}${session.secret}`);
    expect(validated.body.user.groups).toMatchObject([
      { id: parent.id, name: 'assign-parent', children: [{ id: child.id, name: 'assign-child' }] },
    ]);

    const viaPatch = await patch(`/api/admin/users/${user.id}`, { groups: [child.id] });
    expect(viaPatch.body.groups).toEqual([{ id: child.id, name: 'assign-child' }]);
    expectError(await put(`/api/admin/users/${user.id}/groups`, { groups: [999999] }), 404);
    expectError(await put(`/api/admin/users/${user.id}/groups`, {}), 400);
    expect((await get(`/api/admin/users/${user.id}`)).body.groups).toEqual([
      { id: child.id, name: 'assign-child' },
    ]);
  });

  it('deletes a group only when it has no subgroups and no users (409 otherwise)', async () => {
    const parent = await createGroup({ name: 'delete-parent' });
    const child = await createGroup({ name: 'delete-child', parentId: parent.id });
    const user = await newUser('member-of-child');
    await put(`/api/admin/users/${user.id}/groups`, { groups: [child.id] }).expect(200);

    expectError(await del(`/api/admin/groups/${parent.id}`), 409);
    expectError(await del(`/api/admin/groups/${child.id}`), 409);
    const tree = await get('/api/admin/groups');
    expect(tree.body.find((g: { id: number }) => g.id === parent.id).children[0].userCount).toBe(1);

    await put(`/api/admin/users/${user.id}/groups`, { groups: [] }).expect(200);
    expect((await del(`/api/admin/groups/${child.id}`)).status).toBe(204);
    expect((await del(`/api/admin/groups/${parent.id}`)).status).toBe(204);
    expectError(await del(`/api/admin/groups/${parent.id}`), 404);
  });
});

describe('credentials', () => {
  it("lists a user's user tokens and sessions without values or secrets", async () => {
    const user = await newUser('listed');
    const token = await userTokenFor(t, user, 'CI pipeline');
    const session = await sessionFor(t, user);

    const tokens = await get(`/api/admin/users/${user.id}/user-tokens`);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toHaveLength(1);
    expect(Object.keys(tokens.body[0]).sort()).toEqual(
      [
        'creationTime',
        'enabled',
        'expirationTime',
        'id',
        'lastUsageTime',
        'note',
        'version',
      ].sort(),
    );
    expect(tokens.body[0]).toMatchObject({ note: 'CI pipeline', enabled: true, version: 0 });
    expect(tokens.text).not.toContain(token);

    const sessions = await get(`/api/admin/users/${user.id}/sessions`);
    expect(sessions.status).toBe(200);
    expect(sessions.body).toHaveLength(1);
    expect(Object.keys(sessions.body[0]).sort()).toEqual(
      ['clientAddress', 'createdAt', 'lastSeenAt', 'sid', 'userAgent'].sort(),
    );
    expect(String(sessions.body[0].sid)).toBe(session.sid);
    expect(sessions.text).not.toContain(session.secret);
    expect(sessions.text).not.toMatch(HASH_OR_SECRET);

    expectError(await get('/api/admin/users/999999/user-tokens'), 404);
    expectError(await get('/api/admin/users/999999/sessions'), 404);
  });

  it('revokes one user token and ends one session, at once', async () => {
    const user = await newUser('revoked-one');
    const kept = await userTokenFor(t, user, 'kept');
    const revoked = await userTokenFor(t, user, 'revoked');
    const session = await sessionFor(t, user);
    const other = await sessionFor(t, user);
    const tokens = (await get(`/api/admin/users/${user.id}/user-tokens`)).body as {
      id: number;
      note: string;
    }[];
    const revokedId = tokens.find((token) => token.note === 'revoked')!.id;

    expect((await del(`/api/admin/user-tokens/${revokedId}`)).status).toBe(204);
    expect(await tokenStatus(t, revoked)).not.toBe('valid');
    expect(await tokenStatus(t, kept)).toBe('valid');
    expectError(await del(`/api/admin/user-tokens/${revokedId}`), 404);

    expect((await del(`/api/admin/sessions/${session.sid}`)).status).toBe(204);
    expect(await sessionIsLive(t, session)).toBe(false);
    expect(await sessionIsLive(t, other)).toBe(true);
    expectError(await del(`/api/admin/sessions/${session.sid}`), 404);
    expectError(await del('/api/admin/sessions/x'), 400);
  });

  it('ends every user token, session and access JWT of a user at once', async () => {
    const user = await newUser('revoked-all');
    const tokens = [await userTokenFor(t, user), await userTokenFor(t, user)];
    const sessions = [await sessionFor(t, user), await sessionFor(t, user)];
    const jwt = await accessTokenFor(t, user);
    const res = await del(`/api/admin/users/${user.id}/credentials`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userTokens: 2,
      sessions: 2,
      rsaKeyRemoved: false,
      passkeysRemoved: 0,
    });
    expect(await tokenStatus(t, jwt)).not.toBe('valid');
    for (const token of tokens) expect(await tokenStatus(t, token)).not.toBe('valid');
    for (const session of sessions) expect(await sessionIsLive(t, session)).toBe(false);
    expectError(await del('/api/admin/users/999999/credentials'), 404);
  });

  it('revokes an access JWT by jti, or given the token itself', async () => {
    const user = await newUser('jwt-revoked');
    const byJti = await accessTokenFor(t, user);
    const byToken = await accessTokenFor(t, user);
    const untouched = await accessTokenFor(t, user);

    const jti = decodeJwt(byJti).payload.jti as string;
    const res = await post('/api/admin/revoked-tokens', { jti });
    expect(res.status).toBe(201);
    expect(res.body.jti).toBe(jti);
    expect(await tokenStatus(t, byJti)).not.toBe('valid');

    const res2 = await post('/api/admin/revoked-tokens', { token: byToken });
    expect(res2.status).toBe(201);
    expect(res2.body).toEqual({
      jti: decodeJwt(byToken).payload.jti,
      expiresAt: new Date((decodeJwt(byToken).payload.exp as number) * 1000).toISOString(),
    });
    expect(await tokenStatus(t, byToken)).not.toBe('valid');
    expect(await tokenStatus(t, untouched)).toBe('valid');
    const privileged = await t
      .http()
      .get('/api/v1/security/privilegeToken')
      .set('Authorization', `Bearer ${byToken}`);
    expect(privileged.status).toBe(401);

    for (const body of [
      {},
      { jti: '' },
      { jti: 5 },
      { token: 'not-a-jwt' },
      { jti: 'x'.repeat(65) },
      { token: {}, jti: null },
      { jti: {}, token: null },
    ]) {
      expectError(await post('/api/admin/revoked-tokens', body), 400);
    }
  });

  it('refuses a token whose exp is not a whole number of seconds a date can hold with 400, never a 500', async () => {
    const user = await newUser('jwt-odd-exp');
    const token = await accessTokenFor(t, user);
    const [header, , signature] = token.split('.');
    const claims = { ...decodeJwt(token).payload };
    delete claims.exp;
    let forged = 0;
    /** The token with `exp` written as this JSON text (absent when undefined), and a jti of its own. */
    const withExp = (expJson: string | undefined) => {
      const json = JSON.stringify({ ...claims, jti: `odd-exp-${forged++}` });
      const body = expJson === undefined ? json : `${json.slice(0, -1)},"exp":${expJson}}`;
      return `${header}.${Buffer.from(body).toString('base64url')}.${signature}`;
    };

    for (const exp of [
      '1e300',
      '1e16',
      '253402300800',
      '1e999',
      '"1900000000"',
      '-1',
      '1900000000.5',
      '"NaN"',
      'null',
      'true',
      undefined,
    ]) {
      const res = await post('/api/admin/revoked-tokens', { token: withExp(exp) });
      expectError(res, 400);
      expect({ exp, message: res.body.message }).toEqual({
        exp,
        message: expect.stringContaining('exp'),
      });
    }

    // The latest second a token may name is taken, and kept as given.
    const latest = await post('/api/admin/revoked-tokens', { token: withExp('253402300799') });
    expect(latest.status).toBe(201);
    expect(latest.body.expiresAt).toBe('9999-12-31T23:59:59.000Z');
  });
});

describe('keys', () => {
  it('rotates the signing key: published at once, new tokens carry the new kid from activatesAt, old ones stay valid', async () => {
    const user = await newUser('rotation');
    const before = await accessTokenFor(t, user);
    const clock = controlClock(t);
    try {
      const rotatedAt = clock.nowMs();
      const res = await post('/api/admin/keys/rotate');
      expect(res.status).toBe(201);
      expect(Object.keys(res.body)).toEqual(['kid', 'activatesAt', 'withdrawn']);
      // The default delay: twice the key set's max-age of 300 s.
      const activatesAt = Date.parse(res.body.activatesAt as string);
      expect(activatesAt - rotatedAt).toBeGreaterThanOrEqual(600_000);
      expect(activatesAt - rotatedAt).toBeLessThan(610_000);
      expect(res.body.withdrawn).toEqual([]);
      const jwks = await t.http().get('/.well-known/jwks.json');
      expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toContain(res.body.kid);
      const pending = await accessTokenFor(t, user);
      expect(decodeJwt(pending).header.kid).toBe(decodeJwt(before).header.kid);
      clock.advance(activatesAt - clock.nowMs());
      const after = await accessTokenFor(t, user);
      expect(decodeJwt(after).header.kid).toBe(res.body.kid);
      expect(decodeJwt(before).header.kid).not.toBe(res.body.kid);
      expect(await tokenStatus(t, before)).toBe('valid');
      expect(await tokenStatus(t, pending)).toBe('valid');
      expect(await tokenStatus(t, after)).toBe('valid');
      expect(JSON.stringify(res.body)).not.toMatch(/PRIVATE/);
    } finally {
      clock.restore();
    }
  });

  it('answers 409 when configuration supplies the signing key', async () => {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const configured = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    try {
      const jwt = await accessTokenFor(configured, ADMIN);
      const res = await configured
        .http()
        .post('/api/admin/keys/rotate')
        .set('Authorization', `Bearer ${jwt}`);
      expectError(res, 409);
    } finally {
      await configured.close();
    }
  });
});

describe('audit', () => {
  it('records admin changes, revocations and resets with the admin as actor, and no secrets', async () => {
    const user = await newUser('audited');
    await patch(`/api/admin/users/${user.id}`, { firstName: 'Audit', enabled: false }).expect(200);
    await post(`/api/admin/users/${user.id}/password`, { password: 'audited-new-pass' }).expect(
      204,
    );
    const changes = (await auditEvents('admin.change')).filter((event) => event.userId === user.id);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes[0]).toMatchObject({ outcome: 'success', api: 'admin', actorId: admin.id });
    expect(String(changes[0].detail)).toMatch(/enabled/);
    expect(String(changes[0].detail)).toMatch(/firstName/);
    expect(String(changes[0].detail)).not.toMatch(/Audit/);
    const resets = (await auditEvents('password.change')).filter(
      (event) => event.userId === user.id,
    );
    expect(resets).toHaveLength(1);
    expect(resets[0]).toMatchObject({ api: 'admin', actorId: admin.id });
    const everything = JSON.stringify(await sql(t, 'SELECT * FROM "audit_event"'));
    expect(everything).not.toContain('audited-new-pass');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toMatch(/\$2[aby]\$/);
  });
});

describe('hostile input', () => {
  it('answers every body and query with a 2xx or a 4xx, never a 5xx', async () => {
    const target = await newUser('fuzzed');
    const group = (await post('/api/admin/groups', { name: 'fuzz-group' })).body as { id: number };
    const routes: ((body: unknown) => Request)[] = [
      (body) => asAdmin(t.http().patch(`/api/admin/users/${target.id}`)).send(body as object),
      (body) => asAdmin(t.http().put(`/api/admin/users/${target.id}/groups`)).send(body as object),
      (body) =>
        asAdmin(t.http().post(`/api/admin/users/${target.id}/password`)).send(body as object),
      (body) => asAdmin(t.http().post('/api/admin/groups')).send(body as object),
      (body) => asAdmin(t.http().patch(`/api/admin/groups/${group.id}`)).send(body as object),
      (body) => asAdmin(t.http().post('/api/admin/revoked-tokens')).send(body as object),
      (body) => get('/api/admin/users').query(body as object),
    ];
    const fields = fc.constantFrom(
      'privilege',
      'scope',
      'groups',
      'enabled',
      'publicKey',
      'email',
      'password',
      'name',
      'parentId',
      'jti',
      'token',
      'q',
      'limit',
      'offset',
    );
    const value = fc.oneof(
      fc.json({ maxDepth: 2 }).map((text) => JSON.parse(text) as unknown),
      fc.string(),
      fc.integer(),
      fc.constantFrom(null, true, -1, 0, 2 ** 31, 'admin', '%', '_', '\u0000', [1, 1]),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: routes.length - 1 }),
        fc.dictionary(fields, value, { maxKeys: 4 }),
        async (route, body) => {
          const res = await routes[route](body);
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('OpenAPI', () => {
  it('documents every /api/admin operation with a summary, schemas, security and the Administration tag', async () => {
    const doc = (await t.http().get('/docs-json')).body as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/admin/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ path, method, op })),
      );
    expect(operations.length).toBeGreaterThanOrEqual(17);
    for (const { op } of operations) {
      expect(op.tags).toEqual(['Administration']);
      expect(typeof op.summary).toBe('string');
      expect(op.security).toEqual(expect.arrayContaining([{ jwt: [] }, { session: [] }]));
      const responses = op.responses as Record<string, unknown>;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });
});
