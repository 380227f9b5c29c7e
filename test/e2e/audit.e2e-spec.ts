import { createHash, generateKeyPair, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AuditEvent } from '../../src/audit/audit-event.entity.js';
import { AuditService } from '../../src/audit/audit.service.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { SESSION_COOKIE as COOKIE, sessionSecretOf } from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The audit trail: every login of every API, token issue and revocation, session start
 * and end, recorded with the API, the client's address and agent, and never a secret; read by
 * admins through GET /api/admin/audit-events; purged after AUDIT_RETENTION_DAYS.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'audit-admin', password: 'admin-password-1' };
const AGENT = 'audit-test-agent/1.0';
const DAY_MS = 86_400_000;
const LOCALHOST = /^(::ffff:)?127\.0\.0\.1$|^::1$/;

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const generateRsaKeyPair = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });

interface StoredEvent {
  id: number;
  type: string;
  outcome: string;
  api: string | null;
  userId: number | null;
  username: string | null;
  actorId: number | null;
  address: string | null;
  agent: string | null;
  detail: Record<string, unknown> | null;
}

async function lastEventId(t: TestApp): Promise<number> {
  const [row] = await sql(t, 'SELECT MAX("id") AS "id" FROM "audit_event"');
  return Number(row.id ?? 0);
}

/** The events recorded after `mark`, oldest first, as stored (detail parsed from its JSON). */
async function eventsAfter(t: TestApp, mark: number): Promise<StoredEvent[]> {
  const rows = await sql(t, 'SELECT * FROM "audit_event" WHERE "id" > $1 ORDER BY "id"', [mark]);
  return rows.map((row) => ({
    ...(row as unknown as StoredEvent),
    id: Number(row.id),
    userId: row.userId === null ? null : Number(row.userId),
    actorId: row.actorId === null ? null : Number(row.actorId),
    detail:
      row.detail === null ? null : (JSON.parse(row.detail as string) as StoredEvent['detail']),
  }));
}

/** Every row's raw text, so that a secret anywhere in it (any column, any case) is found. */
async function expectNoSecretStored(t: TestApp, mark: number, secrets: string[]): Promise<void> {
  const rows = await sql(t, 'SELECT * FROM "audit_event" WHERE "id" > $1', [mark]);
  const text = JSON.stringify(rows).toLowerCase();
  for (const secret of secrets) expect(text).not.toContain(secret.toLowerCase());
  expect(text).not.toMatch(/\$2[aby]\$/);
}

function expectClient(event: StoredEvent): void {
  expect(event.address).toMatch(LOCALHOST);
  expect(event.agent).toBe(AGENT);
}

describe('Audit events', () => {
  let t: TestApp;
  let alice: TestUser;
  let adminToken: string;

  const http = () => t.http();
  const jwtLogin = (username: string, password: string) =>
    http().post('/v1/auth').set('User-Agent', AGENT).send({ username, password });

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      SSO_TRUSTED_PROXIES: '127.0.0.1',
    });
    alice = await registerUser(t, uniqueName('alice'), PASSWORD);
    const res = await jwtLogin(ADMIN.username, ADMIN.password);
    expect(res.status).toBe(200);
    adminToken = res.body.access_token as string;
  });

  afterAll(() => t?.close());

  describe('logins of every API', () => {
    it('JWT API: a success and the access JWT it issues, with address, agent and jti', async () => {
      const mark = await lastEventId(t);
      const res = await jwtLogin(alice.username, alice.password);
      expect(res.status).toBe(200);
      const token = res.body.access_token as string;

      const [login, issue, ...rest] = await eventsAfter(t, mark);
      expect(rest).toEqual([]);
      expect(login).toMatchObject({
        type: 'login',
        outcome: 'success',
        api: 'jwt',
        userId: alice.id,
        username: alice.username,
        actorId: null,
        detail: { method: 'password' },
      });
      expectClient(login);
      expect(issue).toMatchObject({
        type: 'token.issue',
        outcome: 'success',
        api: 'jwt',
        userId: alice.id,
        detail: { kind: 'access-jwt', jti: decodeJwt(token).payload.jti },
      });
      await expectNoSecretStored(t, mark, [alice.password, token, token.split('.')[2]]);
    });

    it('Security API: a wrong password is a failure of that user, with no password kept', async () => {
      const mark = await lastEventId(t);
      const wrong = 'not-the-password-42';
      const res = await http()
        .post('/api/v1/security/authentication')
        .set('User-Agent', AGENT)
        .send({ username: alice.username, password: wrong });
      expect(res.status).toBe(401);
      const events = await eventsAfter(t, mark);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'login',
        outcome: 'failure',
        api: 'security',
        userId: alice.id,
        username: alice.username,
        detail: { method: 'password', reason: 'wrong-password' },
      });
      expectClient(events[0]);
      await expectNoSecretStored(t, mark, [wrong, alice.password]);
    });

    it('Security API: a success issues an access JWT recorded under the security API', async () => {
      const mark = await lastEventId(t);
      const res = await http()
        .post('/api/v1/security/authentication')
        .set('User-Agent', AGENT)
        .send({ username: alice.username, password: alice.password });
      expect(res.status).toBe(200);
      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.api])).toEqual([
        ['login', 'success', 'security'],
        ['token.issue', 'success', 'security'],
      ]);
      await expectNoSecretStored(t, mark, [alice.password, res.body.token as string]);
    });

    it('an unknown name is a failure with no user, kept only as a keyed hash', async () => {
      const mark = await lastEventId(t);
      const name = uniqueName('nobody');
      expect((await jwtLogin(name, 'whatever-password')).status).toBe(401);
      const [event] = await eventsAfter(t, mark);
      expect(event).toMatchObject({
        type: 'login',
        outcome: 'failure',
        api: 'jwt',
        userId: null,
        username: null,
        detail: { reason: 'unknown-user', nameHash: expect.stringMatching(/^[\w-]{43}$/) },
      });
      expect(JSON.stringify(event)).not.toContain(name);
    });

    it('REST-auth API: a Basic login and the token GET /api/token issues', async () => {
      const mark = await lastEventId(t);
      const res = await http()
        .get('/api/token')
        .set('User-Agent', AGENT)
        .set('Authorization', basic(alice.username, alice.password));
      expect(res.status).toBe(200);
      const [login, issue] = await eventsAfter(t, mark);
      expect(login).toMatchObject({ type: 'login', outcome: 'success', api: 'rest-auth' });
      expectClient(login);
      expect(issue).toMatchObject({
        type: 'token.issue',
        api: 'rest-auth',
        userId: alice.id,
        detail: { kind: 'access-jwt', jti: decodeJwt(res.body.token as string).payload.jti },
      });

      const failed = await lastEventId(t);
      const bad = await http()
        .get('/api/resource')
        .set('User-Agent', AGENT)
        .set('Authorization', basic(alice.username, 'wrong-password-77'));
      expect(bad.status).toBe(401);
      const [failure] = await eventsAfter(t, failed);
      expect(failure).toMatchObject({ type: 'login', outcome: 'failure', api: 'rest-auth' });
      await expectNoSecretStored(t, mark, [
        alice.password,
        'wrong-password-77',
        res.body.token as string,
      ]);
    });

    it('User-token API: the Basic login, the token it issues, and its logout (revocation)', async () => {
      const mark = await lastEventId(t);
      const res = await http()
        .post('/auth/login')
        .set('User-Agent', AGENT)
        .set('Authorization', basic(alice.username, alice.password))
        .send({ note: 'laptop' });
      expect(res.status).toBe(200);
      const token = res.body.token as string;
      const [tokenRow] = await sql(t, 'SELECT "id" FROM "user_token" WHERE "tokenHash" = $1', [
        sha256Hex(token),
      ]);
      const tokenId = Number(tokenRow.id);

      const out = await http().post('/auth/logout').set('Authorization', `Bearer ${token}`);
      expect(out.status).toBe(200);

      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.api])).toEqual([
        ['login', 'success', 'user-token'],
        ['token.issue', 'success', 'user-token'],
        ['token.revoke', 'success', 'user-token'],
      ]);
      expectClient(events[0]);
      expect(events[1]).toMatchObject({
        userId: alice.id,
        detail: { kind: 'user-token', tokenId },
      });
      expect(events[2]).toMatchObject({
        userId: alice.id,
        detail: { kind: 'user-token', tokenId },
      });
      await expectNoSecretStored(t, mark, [alice.password, token, sha256Hex(token)]);
    });

    it('Session API: a password login starts a session, a logout ends it, all sessions too', async () => {
      const mark = await lastEventId(t);
      const login = () =>
        http()
          .post('/auth/login')
          .set('User-Agent', AGENT)
          .send({ login: alice.username, password: alice.password });
      const first = await login();
      const second = await login();
      expect([first.status, second.status]).toEqual([201, 201]);
      const secrets = [first, second].map((res) => sessionSecretOf(res.headers['set-cookie']));
      const sids = [first, second].map((res) => Number(res.body.sid));

      const one = await http()
        .post(`/auth/logout/${sids[0]}`)
        .set('Cookie', `${COOKIE}=${secrets[0]}`);
      expect(one.status).toBe(201);
      const all = await http()
        .post(`/auth/logout/${sids[1]}?allSessions=true`)
        .set('Cookie', `${COOKIE}=${secrets[1]}`);
      expect(all.status).toBe(201);

      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.api])).toEqual([
        ['login', 'success', 'session'],
        ['session.start', 'success', 'session'],
        ['login', 'success', 'session'],
        ['session.start', 'success', 'session'],
        ['session.end', 'success', 'session'],
        ['session.end', 'success', 'session'],
      ]);
      expectClient(events[0]);
      expectClient(events[1]);
      expect(events[1]).toMatchObject({ userId: alice.id, detail: { sid: sids[0] } });
      expect(events[3]).toMatchObject({ detail: { sid: sids[1] } });
      expect(events[4]).toMatchObject({
        userId: alice.id,
        detail: { sid: sids[0], allSessions: false, ended: 1 },
      });
      expect(events[5]).toMatchObject({ detail: { sid: sids[1], allSessions: true } });
      await expectNoSecretStored(t, mark, [alice.password, ...secrets, ...secrets.map(sha256Hex)]);
    });

    it('Session API: a failed password login is a failure, and no session starts', async () => {
      const mark = await lastEventId(t);
      const res = await http()
        .post('/auth/login')
        .set('User-Agent', AGENT)
        .send({ login: alice.username, password: 'nope-nope-nope' });
      expect(res.status).toBe(401);
      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.api])).toEqual([
        ['login', 'failure', 'session'],
      ]);
      expectClient(events[0]);
    });

    it('Session API: RSA logins, successful and replayed', async () => {
      const { publicKey, privateKey } = await generateRsaKeyPair();
      const user = await registerUser(t, uniqueName('rsa'), PASSWORD, {
        publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      });
      const body = rsaLoginBody(user.username, privateKey);
      const mark = await lastEventId(t);
      const ok = await http().post('/auth/loginwithrsa').set('User-Agent', AGENT).send(body);
      expect(ok.status).toBe(201);
      const replay = await http().post('/auth/loginwithrsa').set('User-Agent', AGENT).send(body);
      expect(replay.status).toBe(401);

      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.api, e.detail?.method ?? null])).toEqual([
        ['login', 'success', 'session', 'rsa'],
        ['session.start', 'success', 'session', null],
        ['login', 'failure', 'session', 'rsa'],
      ]);
      expect(events[0]).toMatchObject({ userId: user.id, username: user.username });
      expect(events[2]).toMatchObject({ userId: null, username: user.username });
      expectClient(events[2]);
      await expectNoSecretStored(t, mark, [body.rsaSignature, body.salt]);
    });

    it('Session API: SSO from the trusted proxy, and a name no user has', async () => {
      const mark = await lastEventId(t);
      const ok = await http()
        .get('/auth/ssologin')
        .set('User-Agent', AGENT)
        .set('X-Remote-User', alice.username);
      expect(ok.status).toBe(200);
      const missing = uniqueName('ghost');
      const notFound = await http()
        .get('/auth/ssologin')
        .set('User-Agent', AGENT)
        .set('X-Remote-User', missing);
      expect(notFound.text).toBe('NOTFOUND');

      const events = await eventsAfter(t, mark);
      expect(events.map((e) => [e.type, e.outcome, e.detail?.method ?? null])).toEqual([
        ['login', 'success', 'sso'],
        ['session.start', 'success', null],
        ['login', 'failure', 'sso'],
      ]);
      expect(events[0]).toMatchObject({ api: 'session', userId: alice.id });
      expect(events[2]).toMatchObject({ username: null, detail: { reason: 'NOTFOUND' } });
      expectClient(events[2]);
    });

    it('a lockout (429) is a failure with detail.locked, on the API it came through', async () => {
      const victim = await registerUser(t, uniqueName('locked'), PASSWORD);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        expect((await jwtLogin(victim.username, `wrong-${attempt}-password`)).status).toBe(401);
      }
      const mark = await lastEventId(t);
      const locked = await http()
        .post('/api/v1/security/authentication')
        .set('User-Agent', AGENT)
        .send({ username: victim.username, password: victim.password });
      expect(locked.status).toBe(429);
      const events = await eventsAfter(t, mark);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'login',
        outcome: 'failure',
        api: 'security',
        userId: victim.id,
        detail: { locked: true },
      });
      await expectNoSecretStored(t, mark, [victim.password]);
    });

    it('records nothing for token checks and session validations: checks, not events', async () => {
      const login = await http()
        .post('/auth/login')
        .send({ login: alice.username, password: alice.password });
      const secret = sessionSecretOf(login.headers['set-cookie']);
      const jwt = (await jwtLogin(alice.username, alice.password)).body.access_token as string;
      const mark = await lastEventId(t);
      const check = await http()
        .post('/api/v1/security/token')
        .send({ token: jwt, service: 'billing' });
      expect(check.body).toEqual({ tokenStatus: 'valid' });
      const validate = await http().get(`/auth/validate/${login.body.sid}${secret}`);
      expect(validate.status).toBe(200);
      expect(await eventsAfter(t, mark)).toEqual([]);
    });
  });

  describe('GET /api/admin/audit-events', () => {
    const list = (query: Record<string, string | number> = {}, token = adminToken) =>
      http().get('/api/admin/audit-events').query(query).set('Authorization', `Bearer ${token}`);

    it('answers newest first, with every field but no secret', async () => {
      const res = await list({ limit: 5 });
      expect(res.status).toBe(200);
      expect(res.body.limit).toBe(5);
      expect(res.body.offset).toBe(0);
      const items = res.body.items as (StoredEvent & { time: string })[];
      expect(items).toHaveLength(5);
      const ids = items.map((item) => item.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(ids[0]).toBe(await lastEventId(t));
      expect(Object.keys(items[0]).sort()).toEqual(
        [
          'actorId',
          'address',
          'agent',
          'api',
          'detail',
          'id',
          'outcome',
          'time',
          'type',
          'userId',
          'username',
        ].sort(),
      );
      expect(new Date(items[0].time).toISOString()).toBe(items[0].time);
      expect(res.body.nextBefore).toBe(ids[4]);
      expect(JSON.stringify(res.body)).not.toContain(alice.password);
    });

    it('filters by type, outcome, userId and api, all together', async () => {
      const res = await list({
        type: 'login',
        outcome: 'failure',
        userId: alice.id,
        api: 'security',
      });
      expect(res.status).toBe(200);
      const items = res.body.items as StoredEvent[];
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(item).toMatchObject({
          type: 'login',
          outcome: 'failure',
          userId: alice.id,
          api: 'security',
        });
      }
      const [count] = await sql(
        t,
        'SELECT COUNT(*) AS "n" FROM "audit_event" WHERE "type" = $1 AND "outcome" = $2 AND "userId" = $3 AND "api" = $4',
        ['login', 'failure', alice.id, 'security'],
      );
      expect(items).toHaveLength(Number(count.n));
      expect(res.body.nextBefore).toBeNull();
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const old = t.db.getRepository(AuditEvent);
      const marker = uniqueName('time-window');
      const at = (iso: string) =>
        old.insert({ time: new Date(iso), type: 'login', outcome: 'success', username: marker });
      await at('2020-01-01T00:00:00.000Z');
      await at('2020-01-02T00:00:00.000Z');
      await at('2020-01-03T00:00:00.000Z');
      const res = await list({ from: '2020-01-02T00:00:00Z', to: '2020-01-03T00:00:00Z' });
      expect(res.status).toBe(200);
      const items = res.body.items as (StoredEvent & { time: string })[];
      expect(items.map((item) => [item.username, item.time])).toEqual([
        [marker, '2020-01-02T00:00:00.000Z'],
      ]);
      const since = await list({ from: '2020-01-02T00:00:00Z', type: 'login', limit: 500 });
      const times = (since.body.items as { time: string }[]).map((item) => item.time);
      expect(times).toContain('2020-01-03T00:00:00.000Z');
      expect(times).not.toContain('2020-01-01T00:00:00.000Z');
      await old.delete({ username: marker });
    });

    it('pages by offset and by the before cursor, the same events either way', async () => {
      const all = (await list({ limit: 9 })).body.items as StoredEvent[];
      const byOffset = [
        ...((await list({ limit: 3 })).body.items as StoredEvent[]),
        ...((await list({ limit: 3, offset: 3 })).body.items as StoredEvent[]),
        ...((await list({ limit: 3, offset: 6 })).body.items as StoredEvent[]),
      ];
      const byCursor: StoredEvent[] = [];
      let before: number | undefined;
      for (let page = 0; page < 3; page += 1) {
        const res = await list({ limit: 3, ...(before && { before }) });
        byCursor.push(...(res.body.items as StoredEvent[]));
        before = res.body.nextBefore as number;
      }
      expect(byOffset.map((e) => e.id)).toEqual(all.map((e) => e.id));
      expect(byCursor.map((e) => e.id)).toEqual(all.map((e) => e.id));
    });

    it('defaults to 50 a page', async () => {
      const res = await list();
      expect(res.body.limit).toBe(50);
      expect((res.body.items as unknown[]).length).toBeLessThanOrEqual(50);
    });

    it.each([
      [{ limit: 0 }],
      [{ limit: 501 }],
      [{ limit: 'ten' }],
      [{ offset: -1 }],
      [{ before: 0 }],
      [{ userId: 'alice' }],
      [{ type: 'party' }],
      [{ outcome: 'maybe' }],
      [{ api: 'DROP TABLE' }],
      [{ from: 'yesterday' }],
      [{ to: '2026-13-45T00:00:00Z' }],
    ])('refuses %o with a 400', async (query) => {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(res.body.statusCode).toBe(400);
    });

    it('is for admins only: 401 without a credential, 403 for a user', async () => {
      expect((await http().get('/api/admin/audit-events')).status).toBe(401);
      const userToken = (await jwtLogin(alice.username, alice.password)).body
        .access_token as string;
      expect((await list({}, userToken)).status).toBe(403);
    });

    it('takes an admin session too', async () => {
      const login = await http()
        .post('/auth/login')
        .send({ login: ADMIN.username, password: ADMIN.password });
      expect(login.status).toBe(201);
      const secret = sessionSecretOf(login.headers['set-cookie']);
      const res = await http()
        .get('/api/admin/audit-events')
        .query({ limit: 1 })
        .set('X-Session-Id', String(login.body.sid))
        .set('Cookie', `${COOKIE}=${secret}`);
      expect(res.status).toBe(200);
    });
  });

  describe('retention', () => {
    it('the purge deletes only the events older than AUDIT_RETENTION_DAYS (90)', async () => {
      const repository = t.db.getRepository(AuditEvent);
      const marker = uniqueName('retention');
      const daysAgo = (days: number) =>
        repository.insert({
          time: new Date(Date.now() - days * DAY_MS),
          type: 'login',
          outcome: 'success',
          username: marker,
          detail: { days },
        });
      await daysAgo(400);
      await daysAgo(91);
      await daysAgo(89);
      await daysAgo(0);
      const before = await repository.countBy({});

      const purged = await t.app.get(AuditService).purgeOlderThanRetention();

      expect(purged).toBe(2);
      expect(await repository.countBy({})).toBe(before - 2);
      const kept = await repository.findBy({ username: marker });
      expect(kept.map((event) => Number(event.detail?.days)).sort((a, b) => a - b)).toEqual([
        0, 89,
      ]);
    });
  });
});

describe('Audit events on a database that refuses them', () => {
  it('a failed audit write does not fail the login', async () => {
    const t = await startTestApp();
    try {
      const user = await registerUser(t, uniqueName('unaudited'), PASSWORD);
      await sql(t, 'DROP TABLE "audit_event"');
      const res = await t
        .http()
        .post('/v1/auth')
        .send({ username: user.username, password: user.password });
      expect(res.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

function rsaLoginBody(username: string, privateKey: KeyObject) {
  const salt = randomUUID();
  const expirationTimestamp = Date.now() + 60_000;
  const rsaSignature = sign(
    'sha256',
    Buffer.from(`${username}:${salt}:${expirationTimestamp}`, 'utf8'),
    privateKey,
  ).toString('base64');
  return { username, salt, expirationTimestamp, rsaSignature };
}
