import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { type ObjectLiteral, Repository } from 'typeorm';
import { AuditEvent } from '../../src/audit/audit-event.entity.js';
import { UserToken } from '../../src/user-store/entities/user-token.entity.js';
import { PurgeService } from '../../src/maintenance/purge.service.js';
import { Session } from '../../src/user-store/entities/session.entity.js';
import { UsedRsaSalt } from '../../src/credentials/login-keys/entities/used-rsa-salt.entity.js';
import { RevokedToken } from '../../src/credentials/access-tokens/entities/revoked-token.entity.js';
import { AccessTokensService } from '../../src/credentials/access-tokens/access-tokens.service.js';
import { LoginFailure } from '../../src/user-store/entities/login-failure.entity.js';
import { WebauthnChallenge } from '../../src/credentials/passkeys/entities/webauthn-challenge.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { registerUser, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The purge: what has expired goes, everything else stays and keeps working over HTTP;
 * the deletes come in batches, instances may purge at once, and PURGE_INTERVAL_SECONDS runs it.
 */

const PASSWORD = 'purge-pass-123';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ago = (ms: number) => new Date(Date.now() - ms);
const later = (ms: number) => new Date(Date.now() + ms);
const hex = () => randomBytes(32).toString('hex');

function repository<Entity extends ObjectLiteral>(
  t: TestApp,
  entity: new () => Entity,
): Repository<Entity> {
  return t.db.getRepository(entity);
}

function purgeAll(t: TestApp) {
  return t.app.get(PurgeService).purgeAll();
}

async function seedUserToken(t: TestApp, user: TestUser, expirationTime: Date | null) {
  const { identifiers } = await repository(t, UserToken).insert({
    tokenHash: hex(),
    userId: user.id,
    note: null,
    enabled: true,
    expirationTime,
    creationTime: ago(2 * DAY),
    lastUsageTime: null,
    version: 0,
  });
  return identifiers[0].id as number;
}

async function seedSession(t: TestApp, user: TestUser, createdAt: Date, lastSeenAt: Date) {
  const { identifiers } = await repository(t, Session).insert({
    secretHash: hex(),
    userId: user.id,
    createdAt,
    lastSeenAt,
    clientAddress: null,
    userAgent: null,
  });
  return identifiers[0].id as number;
}

async function seedRevocations(t: TestApp, count: number, expiresAt: Date): Promise<string[]> {
  const rows = Array.from({ length: count }, () => ({ jti: hex(), expiresAt }));
  for (let start = 0; start < rows.length; start += 500) {
    await repository(t, RevokedToken).insert(rows.slice(start, start + 500));
  }
  return rows.map((row) => row.jti);
}

async function seedAuditEvent(t: TestApp, time: Date) {
  const { identifiers } = await repository(t, AuditEvent).insert({
    time,
    type: 'admin.change',
    outcome: 'success',
    api: 'cli',
    detail: { action: 'seeded' },
  });
  return identifiers[0].id as number;
}

async function sortedIds<Entity extends ObjectLiteral>(
  t: TestApp,
  entity: new () => Entity,
  key: keyof Entity & string,
): Promise<string[]> {
  const rows = await repository(t, entity).find({ select: { [key]: true } as never });
  return sorted(rows.map((row) => row[key]));
}

/** Ids as strings in one order, whatever type the driver gave them. */
function sorted(values: unknown[]): string[] {
  return values.map(String).sort((a, b) => a.localeCompare(b));
}

describe('Purge: exactly what has expired goes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUDIT_RETENTION_DAYS: '1', LOCKOUT_MAX_SECONDS: '60' });
  });
  afterAll(() => t.close());

  it('deletes expired user tokens, timed-out sessions, dead revocations and salts, quiet names and old audit events; live ones keep working', async () => {
    const user = await registerUser(t, uniqueName('purged'), PASSWORD);

    // Live credentials made over HTTP, which must still work after the purge.
    const tokenRes = await t
      .http()
      .post('/auth/login')
      .set('Authorization', basic(user.username, PASSWORD));
    expect(tokenRes.status).toBe(200);
    const userToken = tokenRes.body.token as string;
    const sessionRes = await t
      .http()
      .post('/auth/login')
      .send({ login: user.username, password: PASSWORD });
    expect(sessionRes.status).toBe(201);
    const sid = sessionRes.body.sid as string;
    const sessionSecret = /GCN_SESSION_SECRET=([0-9a-f]{64})/.exec(
      String(sessionRes.headers['set-cookie']),
    )![1];
    // A name no user has fails twice: its login_failure row is fresh.
    for (let i = 0; i < 2; i += 1) {
      const res = await t
        .http()
        .get('/api/resource')
        .set('Authorization', basic('nobody-here', 'wrong-pass'));
      expect(res.status).toBe(401);
    }
    const liveTokenIds = await sortedIds(t, UserToken, 'id');
    const liveSessionIds = await sortedIds(t, Session, 'id');

    const expiredToken = await seedUserToken(t, user, ago(MINUTE));
    const futureToken = await seedUserToken(t, user, later(HOUR));
    // SESSION_IDLE_TIMEOUT is an hour and SESSION_ABSOLUTE_TIMEOUT a day (the defaults).
    const idleSession = await seedSession(t, user, ago(2 * HOUR), ago(HOUR + MINUTE));
    const oldSession = await seedSession(t, user, ago(DAY + MINUTE), ago(MINUTE));
    const usedSession = await seedSession(t, user, ago(DAY - HOUR), ago(HOUR - MINUTE));
    const [deadRevocation] = await seedRevocations(t, 1, ago(MINUTE));
    // Within the 30 s clock tolerance the token still verifies, so its revocation must stay.
    const [toleratedRevocation] = await seedRevocations(t, 1, ago(5_000));
    const [liveRevocation] = await seedRevocations(t, 1, later(HOUR));
    await repository(t, UsedRsaSalt).insert([
      { userId: user.id, saltHash: 'a'.repeat(64), expiresAt: ago(1_000) },
      { userId: user.id, saltHash: 'b'.repeat(64), expiresAt: later(5 * MINUTE) },
    ]);
    // LOCKOUT_MAX_SECONDS is 60: names quiet for longer, and not locked, are forgotten.
    await repository(t, LoginFailure).insert([
      {
        usernameKey: 'quiet',
        failedLoginCount: 3,
        lockedUntil: null,
        lastFailureAt: ago(2 * MINUTE),
      },
      { usernameKey: 'from-before', failedLoginCount: 1, lockedUntil: null, lastFailureAt: null },
      { usernameKey: 'recent', failedLoginCount: 4, lockedUntil: null, lastFailureAt: ago(10_000) },
      {
        usernameKey: 'locked',
        failedLoginCount: 9,
        lockedUntil: later(MINUTE),
        lastFailureAt: ago(2 * MINUTE),
      },
    ]);
    // A passkey challenge lasts five minutes: the one past it goes, the open one stays.
    await repository(t, WebauthnChallenge).insert([
      { challenge: 'spent', purpose: 'authentication', expiresAt: ago(MINUTE) },
      { challenge: 'open', purpose: 'authentication', expiresAt: later(MINUTE) },
    ]);
    const oldEvent = await seedAuditEvent(t, ago(DAY + MINUTE));
    const keptEvent = await seedAuditEvent(t, ago(DAY - MINUTE));

    expect(await purgeAll(t)).toEqual({
      userTokens: 1,
      sessions: 2,
      revokedTokens: 1,
      usedRsaSalts: 1,
      webauthnChallenges: 1,
      loginFailures: 2,
      auditEvents: 1,
      securityEvents: 0,
    });

    expect(await sortedIds(t, UserToken, 'id')).toEqual(sorted([...liveTokenIds, futureToken]));
    expect(await sortedIds(t, UserToken, 'id')).not.toContain(String(expiredToken));
    expect(await sortedIds(t, Session, 'id')).toEqual(sorted([...liveSessionIds, usedSession]));
    expect([idleSession, oldSession]).not.toContain(usedSession);
    expect(await sortedIds(t, RevokedToken, 'jti')).toEqual(
      sorted([toleratedRevocation, liveRevocation]),
    );
    expect(await sortedIds(t, RevokedToken, 'jti')).not.toContain(deadRevocation);
    expect(await sortedIds(t, UsedRsaSalt, 'saltHash')).toEqual(['b'.repeat(64)]);
    expect(await sortedIds(t, WebauthnChallenge, 'challenge')).toEqual(['open']);
    // The name no user has is kept under its keyed hash, never as typed.
    const names = await repository(t, LoginFailure).find({ order: { failedLoginCount: 'ASC' } });
    expect(names).toEqual([
      expect.objectContaining({
        usernameKey: expect.stringMatching(/^[\w-]{43}$/),
        failedLoginCount: 2,
      }),
      expect.objectContaining({ usernameKey: 'recent', failedLoginCount: 4 }),
      expect.objectContaining({ usernameKey: 'locked' }),
    ]);
    const events = await sortedIds(t, AuditEvent, 'id');
    expect(events).toContain(String(keptEvent));
    expect(events).not.toContain(String(oldEvent));

    // The live credentials still work.
    expect(
      (await t.http().post('/auth/bump').set('Authorization', `Bearer ${userToken}`)).status,
    ).toBe(200);
    expect((await t.http().get(`/auth/validate/${sid}${sessionSecret}`)).status).toBe(200);

    // Nothing left to purge: a second run deletes nothing.
    expect(Object.values(await purgeAll(t))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('deletes at most 1000 rows a statement, and instances purging at once share the work', async () => {
    const revocations = repository(t, RevokedToken);
    await revocations.clear();
    const expired = 2_345;
    await seedRevocations(t, expired, ago(HOUR));
    const [live] = await seedRevocations(t, 1, later(HOUR));

    const statements = vi.spyOn(Repository.prototype, 'createQueryBuilder');
    try {
      expect(await t.app.get(AccessTokensService).purgeExpiredRevocations()).toBe(expired);
      // Three batches (1000, 1000, 345), each a select and a delete.
      expect(statements).toHaveBeenCalledTimes(6);
    } finally {
      statements.mockRestore();
    }
    expect(await sortedIds(t, RevokedToken, 'jti')).toEqual([live]);

    await seedRevocations(t, expired, ago(HOUR));
    const runs = await Promise.all([purgeAll(t), purgeAll(t)]);
    expect(runs[0].revokedTokens + runs[1].revokedTokens).toBe(expired);
    expect(await sortedIds(t, RevokedToken, 'jti')).toEqual([live]);
  });

  it('runs no schedule unless PURGE_INTERVAL_SECONDS asks for one (the tests turn it off)', () => {
    expect(t.app.get(SchedulerRegistry).getIntervals()).toEqual([]);
  });
});

describe('Purge: PURGE_INTERVAL_SECONDS=1', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PURGE_INTERVAL_SECONDS: '1' });
  });
  afterAll(() => t.close());

  it('purges on its own every interval, logging one line of counts per run', async () => {
    expect(t.app.get(SchedulerRegistry).getIntervals()).toEqual(['purge']);
    const log = vi.spyOn(Logger.prototype, 'log');
    const [dead] = await seedRevocations(t, 1, ago(HOUR));
    const [live] = await seedRevocations(t, 1, later(HOUR));
    const deadline = Date.now() + 5_000;
    while ((await repository(t, RevokedToken).countBy({ jti: dead })) > 0) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await sortedIds(t, RevokedToken, 'jti')).toEqual([live]);
    await vi.waitFor(() =>
      expect(log).toHaveBeenCalledWith(
        'Purged userTokens=0 sessions=0 revokedTokens=1 usedRsaSalts=0 webauthnChallenges=0 loginFailures=0 auditEvents=0 securityEvents=0',
      ),
    );
    log.mockRestore();
  });
});
