import { PurgeService } from '../../src/maintenance/purge.service.js';
import { accessTokenFor, userTokenFor } from '../support/credentials.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { registerUser, sql, uniqueName } from '../support/fixtures.js';

/**
 * Every time rule reads the app's one Clock, so that the time an answer states or a rule decides
 * by is the clock's, never the system's: moved far ahead, the clock alone dates the last login,
 * the audit trail and a session-API message, ends a lock in the admin view, dates a revocation
 * and ages the audit trail out.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'clock-admin', password: 'admin-password-clock' };
const DAY = 86_400_000;
/** Far enough that the system's time and the clock's can never be taken for each other. */
const FAR_AHEAD = 400 * DAY;
/** How far a time the app states may trail the clock's reading taken before the request. */
const SLACK = 10_000;

function expectAround(time: number, clockMs: number): void {
  expect(time).toBeGreaterThanOrEqual(clockMs);
  expect(time).toBeLessThan(clockMs + SLACK);
}

describe('one clock for every time rule', () => {
  let t: TestApp;
  let clock: TestClock;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  });
  beforeEach(() => {
    clock = controlClock(t);
    clock.advance(FAR_AHEAD);
  });
  afterEach(() => clock.restore());
  afterAll(() => t.close());

  const adminGet = async (path: string) =>
    t
      .http()
      .get(path)
      .set('Authorization', `Bearer ${await accessTokenFor(t, ADMIN)}`);

  it('dates the last login of a bump by the clock', async () => {
    const user = await registerUser(t, uniqueName('bump'), PASSWORD);
    const token = await userTokenFor(t, user);
    const before = clock.nowMs();
    const res = await t.http().post('/auth/bump').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expectAround(Date.parse(res.body.lastLoginTime as string), before);
  });

  it('dates audit events by the clock', async () => {
    const user = await registerUser(t, uniqueName('audited'), PASSWORD);
    const before = clock.nowMs();
    await accessTokenFor(t, user);
    const res = await adminGet(`/api/admin/audit-events?userId=${user.id}&type=login`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expectAround(Date.parse(res.body.items[0].time as string), before);
  });

  it('dates a session-API message by the clock', async () => {
    const before = clock.nowMs();
    const res = await t.http().get('/auth/validate/not-a-sid');
    expect(res.status).toBe(400);
    expect(res.body.messages).toHaveLength(1);
    expectAround(res.body.messages[0].timestamp as number, before);
  });

  it('shows a lock as over in the admin view once the clock has passed its end', async () => {
    const user = await registerUser(t, uniqueName('locked'), PASSWORD);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const res = await t
        .http()
        .post('/v1/auth')
        .send({ username: user.username, password: 'wrong-password-1' });
      expect(res.status).toBe(401);
    }
    const locked = await adminGet(`/api/admin/users/${user.id}`);
    expect(Date.parse(locked.body.lockedUntil as string)).toBeGreaterThan(clock.nowMs());
    clock.advance(DAY);
    const res = await adminGet(`/api/admin/users/${user.id}`);
    expect(res.status).toBe(200);
    expect(res.body.lockedUntil).toBeNull();
  });

  it('keeps a revocation by jti for the longest lifetime from the clock’s now', async () => {
    const before = clock.nowMs();
    const res = await t
      .http()
      .post('/api/admin/revoked-tokens')
      .set('Authorization', `Bearer ${await accessTokenFor(t, ADMIN)}`)
      .send({ jti: `jti-${uniqueName()}` });
    expect(res.status).toBe(201);
    const expiresAt = Date.parse(res.body.expiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + t.config.jwt.accessTokenTtl * 1000);
    expect(expiresAt).toBeLessThan(before + t.config.jwt.accessTokenTtl * 1000 + 2 * 60_000);
  });

  it('ages audit events out by the clock', async () => {
    const user = await registerUser(t, uniqueName('aged'), PASSWORD);
    await accessTokenFor(t, user);
    const count = async () =>
      Number(
        (await sql(t, 'SELECT COUNT(*) AS n FROM "audit_event" WHERE "userId" = $1', [user.id]))[0]
          .n,
      );
    expect(await count()).toBeGreaterThan(0);
    clock.advance((t.config.auditRetentionDays + 1) * DAY);
    await t.app.get(PurgeService).purgeAll();
    expect(await count()).toBe(0);
  });
});
