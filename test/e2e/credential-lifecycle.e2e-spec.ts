import { generateKeyPair, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { generateSync } from 'otplib';
import type { Response, Test } from 'supertest';
import { TotpFactor } from '../../src/credentials/second-factor/entities/totp-factor.entity.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import {
  everyCredentialOf,
  sessionFor,
  sessionIsLive,
  tokenStatus,
  userTokenFor,
  withSession,
  type EveryCredential,
  type LiveSessionCredential,
} from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The credential lifecycle, black-box over HTTP: a token or a session alone never adds or
 * replaces a credential (the RSA login key above all, which would open sessions with no password,
 * no code and no lock); every proof an owner gives again is a password check like a login's and
 * counts towards the same lock, settled as atomically; only a login's success resets the count,
 * and a re-proof is no login; admins remove login keys and never set one; every change is
 * audited with the kind of credential and who made it.
 */

const PASSWORD = 'correct-horse-battery';
const WRONG = 'not-the-password-1';
const NEW_PASSWORD = 'battery-staple-horse';
const ADMIN = { username: 'cl-admin', password: 'admin-password-123' };
const STEP_MS = 30_000;
const MINUTE_MS = 60_000;
/** Short enough that a test can pass them by moving the clock. */
const SESSION_IDLE_SECONDS = 50 * 60;
const SESSION_ABSOLUTE_SECONDS = 60 * 60;

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };

let t: TestApp;
let clock: TestClock;
let adminJwt: string;
let admin: TestUser;
let thiefKey: KeyPair;
let ownerKey: KeyPair;
let otherKey: KeyPair;

const spki = (pair: KeyPair) => pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

beforeAll(async () => {
  t = await startTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SESSION_IDLE_TIMEOUT: String(SESSION_IDLE_SECONDS),
    SESSION_ABSOLUTE_TIMEOUT: String(SESSION_ABSOLUTE_SECONDS),
  });
  clock = controlClock(t);
  const pairs = () => promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  [thiefKey, ownerKey, otherKey] = await Promise.all([pairs(), pairs(), pairs()]);
  adminJwt = await jwtOf({ ...ADMIN, id: 0 });
  admin = { ...ADMIN, id: Number(decodeJwt(adminJwt).payload.sub) };
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

// ---- helpers -----------------------------------------------------------------------------------

const newUser = (prefix = 'cl') => registerUser(t, uniqueName(prefix), PASSWORD);

async function jwtOf(user: TestUser, otp?: string): Promise<string> {
  const res = await t
    .http()
    .post('/v1/auth')
    .send({ username: user.username, password: user.password, otp });
  expect(res.status, res.text).toBe(200);
  return res.body.access_token as string;
}

const bearer = (req: Test, token: string) => req.set('Authorization', `Bearer ${token}`);
const asAdmin = (req: Test) => bearer(req, adminJwt);

/** The code an authenticator app shows for `secret` (base32) at the app's time, or a step away. */
function codeFor(secret: string, steps = 0): string {
  return generateSync({ secret, epoch: Math.floor((clock.nowMs() + steps * STEP_MS) / 1000) });
}

/** A well-formed code that no step within the server's skew window has. */
function wrongCodeFor(secret: string, salt = 0): string {
  const near = new Set([-1, 0, 1].map((steps) => codeFor(secret, steps)));
  for (let n = 100_000 + salt * 37; ; n += 1) if (!near.has(String(n))) return String(n);
}

/** Moves the app's clock into the next 30-second step, whose code nothing has used yet. */
function nextStep(): void {
  clock.advance(STEP_MS);
}

interface Enrolled {
  user: TestUser;
  secret: string;
  recoveryCodes: string[];
  /** An access JWT issued with a code. */
  jwt: string;
}

/** A user with the second factor on, enrolled through self-service. */
async function enrolledUser(): Promise<Enrolled> {
  const user = await newUser('cl-tf');
  const token = await jwtOf(user);
  const start = await bearer(t.http().post('/api/me/totp'), token).send({ password: PASSWORD });
  expect(start.status).toBe(200);
  const secret = start.body.secret as string;
  const confirm = await bearer(t.http().post('/api/me/totp/confirm'), token).send({
    code: codeFor(secret),
  });
  expect(confirm.status).toBe(200);
  nextStep();
  const jwt = await jwtOf(user, codeFor(secret));
  nextStep();
  return { user, secret, recoveryCodes: confirm.body.recoveryCodes as string[], jwt };
}

/** `POST /auth/loginwithrsa` signed with `key` for `username`: its HTTP status. */
async function rsaLoginStatus(username: string, key: KeyObject): Promise<number> {
  const salt = randomUUID();
  const expirationTimestamp = Math.floor(clock.nowMs() / 1000) + 60;
  const signed = Buffer.from(`${username}:${salt}:${expirationTimestamp}`, 'utf8');
  const rsaSignature = sign('sha256', signed, key).toString('base64');
  const res = await t
    .http()
    .post('/auth/loginwithrsa')
    .send({ username, salt, expirationTimestamp, rsaSignature });
  return res.status;
}

async function lockState(user: TestUser) {
  const row = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
  return { failedLoginCount: row.failedLoginCount, lockedUntil: row.lockedUntil };
}

async function unlock(user: TestUser): Promise<void> {
  await t.db
    .getRepository(User)
    .update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null });
}

async function secondFactorOn(user: TestUser): Promise<boolean> {
  const factor = await t.db.getRepository(TotpFactor).findOneBy({ userId: user.id });
  return factor?.enabledAt != null;
}

interface AuditRow {
  type: string;
  outcome: string;
  api: string | null;
  actorId: number | null;
  detail: Record<string, unknown> | null;
}

async function auditOf(user: TestUser): Promise<AuditRow[]> {
  const rows = await sql(t, 'SELECT * FROM "audit_event" WHERE "userId" = $1 ORDER BY "id"', [
    user.id,
  ]);
  return rows.map((row) => ({
    type: row.type as string,
    outcome: row.outcome as string,
    api: row.api as string | null,
    actorId: row.actorId === null ? null : Number(row.actorId),
    detail:
      row.detail === null ? null : (JSON.parse(row.detail as string) as Record<string, unknown>),
  }));
}

/**
 * Holds the next call of `method` on `target` until `release()`, so that a test can let other
 * requests through while one waits at a known point; `reached` resolves when the call arrives.
 */
function holdNextCall(target: object, method: string) {
  const original = (target as Record<string, (...args: unknown[]) => unknown>)[method].bind(target);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const spy = vi
    .spyOn(target as Record<string, (...args: unknown[]) => unknown>, method)
    .mockImplementationOnce(async (...args: unknown[]) => {
      arrive();
      await released;
      return original(...args);
    });
  return { reached, release, restore: () => spy.mockRestore() };
}

/** Starts a supertest request now, without waiting for its answer. */
const started = (req: Test): Promise<Response> => req.then((res) => res);

/** Each stolen credential as the self-service routes take it. */
function selfServiceCarriers(stolen: EveryCredential): [string, (req: Test) => Test][] {
  return [
    ['an access JWT', (req) => bearer(req, stolen.jwt)],
    ['a user token', (req) => bearer(req, stolen.userToken)],
    ['a REST-auth token', (req) => bearer(req, stolen.restToken)],
    ['a session', (req) => withSession(req, stolen.session)],
  ];
}

// ---- a stolen token must not make itself permanent --------------------------------------------

describe('the RSA login key: a token or a session alone never adds one', () => {
  it('PUT /api/me/public-key with each kind of credential and no password: refused, no key, no RSA login', async () => {
    const victim = await newUser();
    const stolen = await everyCredentialOf(t, victim);
    for (const [kind, as] of selfServiceCarriers(stolen)) {
      const bare = await as(t.http().put('/api/me/public-key')).send({ publicKey: spki(thiefKey) });
      expect(bare.status, kind).toBe(400);
      expect(bare.body.message, kind).toMatch(/^password /);
      const guessed = await as(t.http().put('/api/me/public-key')).send({
        publicKey: spki(thiefKey),
        password: WRONG,
      });
      expect(guessed.status, kind).toBe(403);
    }
    expect(await rsaLoginStatus(victim.username, thiefKey.privateKey)).toBe(401);
    const me = await bearer(t.http().get('/api/me'), stolen.jwt);
    expect(me.body.publicKey).toBeNull();
    // The guesses were password checks: four failures counted towards the lock.
    expect((await lockState(victim)).failedLoginCount).toBe(4);
  });

  it('PUT /api/users/{id}/public-key takes Basic with the password only: a token, as Bearer or as username, is 401', async () => {
    const victim = await newUser();
    const stolen = await everyCredentialOf(t, victim);
    const attempts: [string, (req: Test) => Test][] = [
      ...selfServiceCarriers(stolen),
      ['an access JWT as username', (req) => req.set('Authorization', basic(stolen.jwt, 'x'))],
      [
        'a REST-auth token as username',
        (req) => req.set('Authorization', basic(stolen.restToken, 'x')),
      ],
      ['nothing', (req) => req],
    ];
    for (const [name, as] of attempts) {
      const res = await as(t.http().put(`/api/users/${victim.id}/public-key`)).send({
        publicKey: spki(thiefKey),
      });
      expect(res.status, name).toBe(401);
      expect(res.text, name).toBe('Unauthorized Access');
      expect(res.headers['www-authenticate'], name).toBe('Basic realm="Authentication Required"');
    }
    expect(await rsaLoginStatus(victim.username, thiefKey.privateKey)).toBe(401);
  });

  it('the owner adds and replaces it with the password, through self-service and REST-auth; each change audited', async () => {
    const owner = await newUser();
    const jwt = await jwtOf(owner);
    const added = await bearer(t.http().put('/api/me/public-key'), jwt).send({
      publicKey: spki(ownerKey),
      password: PASSWORD,
    });
    expect(added.status).toBe(200);
    expect(added.body.publicKey).toBe(spki(ownerKey));
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(201);

    const replaced = await t
      .http()
      .put(`/api/users/${owner.id}/public-key`)
      .set('Authorization', basic(owner.username, PASSWORD))
      .send({ publicKey: spki(otherKey) });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ username: owner.username });
    expect(await rsaLoginStatus(owner.username, otherKey.privateKey)).toBe(201);
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(401);

    const changes = (await auditOf(owner)).filter((event) => event.type === 'credential.change');
    expect(changes).toEqual([
      {
        type: 'credential.change',
        outcome: 'success',
        api: 'self-service',
        actorId: null,
        detail: { credential: 'rsa-key', action: 'add' },
      },
      {
        type: 'credential.change',
        outcome: 'success',
        api: 'rest-auth',
        actorId: null,
        detail: { credential: 'rsa-key', action: 'replace' },
      },
    ]);
    const everything = JSON.stringify(await sql(t, 'SELECT * FROM "audit_event"'));
    expect(everything).not.toContain('BEGIN PUBLIC KEY');
    expect(everything).not.toContain(PASSWORD);
  });

  it('a wrong password at PUT /api/users/{id}/public-key is a failure towards the lock, and another user (an admin too) is refused', async () => {
    const owner = await newUser();
    const other = await newUser();
    for (let i = 0; i < 2; i += 1) {
      const res = await t
        .http()
        .put(`/api/users/${owner.id}/public-key`)
        .set('Authorization', basic(owner.username, WRONG))
        .send({ publicKey: spki(thiefKey) });
      expect(res.status).toBe(401);
    }
    expect((await lockState(owner)).failedLoginCount).toBe(2);
    for (const who of [other, ADMIN]) {
      const res = await t
        .http()
        .put(`/api/users/${owner.id}/public-key`)
        .set('Authorization', basic(who.username, who.password))
        .send({ publicKey: spki(thiefKey) });
      expect(res.status, who.username).toBe(403);
      expect(res.body).toEqual({ error: 'Forbidden', message: expect.stringMatching(/own key/) });
    }
    expect(await rsaLoginStatus(owner.username, thiefKey.privateKey)).toBe(401);
  });

  it('with a second factor on, the proof needs a code: without one 401 Gatehouse-OTP (counted), a wrong one counted, the right one taken once', async () => {
    const { user, secret, jwt } = await enrolledUser();
    const put = (body: object) => bearer(t.http().put('/api/me/public-key'), jwt).send(body);
    const publicKey = spki(ownerKey);

    const noCode = await put({ publicKey, password: PASSWORD });
    expect(noCode.status).toBe(401);
    expect(noCode.headers['gatehouse-otp']).toBe('required');
    expect(noCode.body.message).toMatch(/second factor is required.*code/);
    const rest = (code?: string) => {
      const req = t
        .http()
        .put(`/api/users/${user.id}/public-key`)
        .set('Authorization', basic(user.username, PASSWORD));
      return (code === undefined ? req : req.set('X-OTP', code)).send({ publicKey });
    };
    const restNoCode = await rest();
    expect(restNoCode.status).toBe(401);
    expect(restNoCode.headers['gatehouse-otp']).toBe('required');
    expect((await put({ publicKey, password: PASSWORD, code: wrongCodeFor(secret) })).status).toBe(
      403,
    );
    expect((await lockState(user)).failedLoginCount).toBe(3);

    const code = codeFor(secret);
    expect((await put({ publicKey, password: PASSWORD, code })).status).toBe(200);
    // The code is spent: the same one again is a wrong code.
    expect((await rest(code)).status).toBe(401);
    // A re-proof resets nothing: only a login does.
    expect((await lockState(user)).failedLoginCount).toBe(4);
    expect(await rsaLoginStatus(user.username, ownerKey.privateKey)).toBe(201);
    nextStep();
    expect((await rest(codeFor(secret))).status).toBe(200);
  });

  it('DELETE /api/me/public-key takes the same proof, and the key stops logging in', async () => {
    const owner = await newUser();
    const jwt = await jwtOf(owner);
    await bearer(t.http().put('/api/me/public-key'), jwt)
      .send({ publicKey: spki(ownerKey), password: PASSWORD })
      .expect(200);
    const remove = (body: object) => bearer(t.http().delete('/api/me/public-key'), jwt).send(body);
    expect((await remove({})).status).toBe(400);
    expect((await remove({ password: WRONG })).status).toBe(403);
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(201);
    expect((await remove({ password: PASSWORD })).status).toBe(204);
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(401);
    const again = await remove({ password: PASSWORD });
    expect(again.status).toBe(409);
    const removals = (await auditOf(owner)).filter(
      (event) => event.type === 'credential.change' && event.detail?.action === 'remove',
    );
    expect(removals).toEqual([
      {
        type: 'credential.change',
        outcome: 'failure',
        api: 'self-service',
        actorId: null,
        detail: { credential: 'rsa-key', action: 'remove', reason: 'wrong-password' },
      },
      {
        type: 'credential.change',
        outcome: 'success',
        api: 'self-service',
        actorId: null,
        detail: { credential: 'rsa-key', action: 'remove' },
      },
    ]);
  });
});

describe('the RSA login key: admins remove it, never set it', () => {
  it('PATCH /api/admin/users/{id} refuses publicKey (400) and sets nothing', async () => {
    const user = await newUser();
    for (const publicKey of [spki(thiefKey), null]) {
      const res = await asAdmin(t.http().patch(`/api/admin/users/${user.id}`)).send({
        firstName: 'Kept',
        publicKey,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^publicKey cannot be set by an admin/);
    }
    expect(await rsaLoginStatus(user.username, thiefKey.privateKey)).toBe(401);
    const view = await asAdmin(t.http().get(`/api/admin/users/${user.id}`));
    expect(view.body).toMatchObject({ publicKey: null, firstName: null });
  });

  it('DELETE /api/admin/users/{id}/public-key removes it, audited with the admin as actor', async () => {
    const owner = await newUser();
    await t
      .http()
      .put(`/api/users/${owner.id}/public-key`)
      .set('Authorization', basic(owner.username, PASSWORD))
      .send({ publicKey: spki(ownerKey) })
      .expect(200);
    const res = await asAdmin(t.http().delete(`/api/admin/users/${owner.id}/public-key`));
    expect(res.status).toBe(204);
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(401);
    expect((await asAdmin(t.http().delete(`/api/admin/users/${owner.id}/public-key`))).status).toBe(
      204,
    );
    expect((await asAdmin(t.http().delete('/api/admin/users/999999/public-key'))).status).toBe(404);
    const removals = (await auditOf(owner)).filter(
      (event) => event.type === 'credential.change' && event.api === 'admin',
    );
    expect(removals).toEqual([
      expect.objectContaining({
        outcome: 'success',
        actorId: admin.id,
        detail: { credential: 'rsa-key', action: 'remove', wasSet: true },
      }),
      expect.objectContaining({
        detail: { credential: 'rsa-key', action: 'remove', wasSet: false },
      }),
    ]);
    const user = await newUser();
    const userJwt = await jwtOf(user);
    expect(
      (await bearer(t.http().delete(`/api/admin/users/${owner.id}/public-key`), userJwt)).status,
    ).toBe(403);
  });

  it('"end all credentials" removes it with every session, user token and access JWT; loginwithrsa then fails', async () => {
    const owner = await newUser();
    await t
      .http()
      .put(`/api/users/${owner.id}/public-key`)
      .set('Authorization', basic(owner.username, PASSWORD))
      .send({ publicKey: spki(ownerKey) })
      .expect(200);
    const jwt = await jwtOf(owner);
    const userToken = await userTokenFor(t, owner);
    const session = await sessionFor(t, owner);
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(201);

    const res = await asAdmin(t.http().delete(`/api/admin/users/${owner.id}/credentials`));
    expect(res.status).toBe(200);
    // Two sessions: the password login's and the RSA login's.
    expect(res.body).toEqual({
      userTokens: 1,
      sessions: 2,
      rsaKeyRemoved: true,
      passkeysRemoved: 0,
    });
    expect(await rsaLoginStatus(owner.username, ownerKey.privateKey)).toBe(401);
    expect(await tokenStatus(t, jwt)).not.toBe('valid');
    expect(await tokenStatus(t, userToken)).not.toBe('valid');
    expect(await sessionIsLive(t, session)).toBe(false);
    // The password stays: the owner signs in again, and may add a key again.
    await jwtOf(owner);
    const removals = (await auditOf(owner)).filter((event) => event.type === 'credential.change');
    expect(removals.at(-1)).toMatchObject({
      api: 'admin',
      actorId: admin.id,
      detail: { credential: 'rsa-key', action: 'remove', reason: 'all-credentials' },
    });
  });
});

// ---- second-factor proofs inside the lock ------------------------------------------------------

describe('second-factor proofs count towards the lock', () => {
  it('POST /api/me/totp answered 409 resets no failure count, so wrong login codes lock as ever', async () => {
    const { user, secret, jwt } = await enrolledUser();
    const wrongCodeLogin = (salt: number) =>
      t
        .http()
        .post('/v1/auth')
        .send({
          username: user.username,
          password: PASSWORD,
          otp: wrongCodeFor(secret, salt),
        });
    const enrol = () => bearer(t.http().post('/api/me/totp'), jwt).send({ password: PASSWORD });
    for (let guess = 0; guess < 4; guess += 1) {
      expect((await wrongCodeLogin(guess)).status).toBe(401);
      expect((await enrol()).status).toBe(409);
      expect((await lockState(user)).failedLoginCount).toBe(guess + 1);
    }
    expect((await wrongCodeLogin(4)).status).toBe(401);
    expect((await enrol()).status).toBe(429);
    const locked = await t
      .http()
      .post('/v1/auth')
      .send({ username: user.username, password: PASSWORD, otp: codeFor(secret) });
    expect(locked.status).toBe(429);
  });

  it('POST /api/me/totp/confirm: a wrong code counts, and the fifth locks the confirmation out', async () => {
    const user = await newUser();
    const jwt = await jwtOf(user);
    const start = await bearer(t.http().post('/api/me/totp'), jwt).send({ password: PASSWORD });
    const secret = start.body.secret as string;
    const confirm = (code: string) =>
      bearer(t.http().post('/api/me/totp/confirm'), jwt).send({ code });
    for (let guess = 0; guess < 5; guess += 1) {
      expect((await confirm(wrongCodeFor(secret, guess))).status).toBe(403);
    }
    expect(await lockState(user)).toMatchObject({ failedLoginCount: 5 });
    const right = await confirm(codeFor(secret));
    expect(right.status).toBe(429);
    expect(right.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(await secondFactorOn(user)).toBe(false);
    const failures = (await auditOf(user)).filter(
      (event) => event.type === 'second-factor.enable' && event.outcome === 'failure',
    );
    expect(failures).toHaveLength(6);
  });

  it('DELETE /api/me/totp: a burst of 30 wrong codes is judged no further than the lock, and the right code then turns nothing off', async () => {
    const { user, secret, jwt } = await enrolledUser();
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        bearer(t.http().delete('/api/me/totp'), jwt).send({ code: wrongCodeFor(secret, index) }),
      ),
    );
    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((status) => status === 403).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 403 && status !== 429)).toEqual([]);
    for (const res of burst.filter((each) => each.status === 429)) {
      expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    }
    expect(await lockState(user)).toMatchObject({ failedLoginCount: 5 });
    const right = await bearer(t.http().delete('/api/me/totp'), jwt).send({
      code: codeFor(secret),
    });
    expect(right.status).toBe(429);
    expect(await secondFactorOn(user)).toBe(true);
  });

  it('DELETE /api/me/totp: a right code in flight when the lock engages turns nothing off, and is not spent', async () => {
    const { user, secret, jwt } = await enrolledUser();
    const code = codeFor(secret);
    const hold = holdNextCall(t.db.getRepository(TotpFactor), 'findOneBy');
    try {
      const inFlight = started(bearer(t.http().delete('/api/me/totp'), jwt).send({ code }));
      await hold.reached;
      for (let guess = 0; guess < 5; guess += 1) {
        const res = await bearer(t.http().delete('/api/me/totp'), jwt).send({
          code: wrongCodeFor(secret, guess),
        });
        expect(res.status).toBe(403);
      }
      hold.release();
      expect((await inFlight).status).toBe(429);
    } finally {
      hold.restore();
    }
    expect(await secondFactorOn(user)).toBe(true);
    await unlock(user);
    const later = await bearer(t.http().delete('/api/me/totp'), jwt).send({ code });
    expect(later.status).toBe(204);
  });

  it('POST /api/me/password asks for a code while a second factor is on', async () => {
    const { user, secret, jwt } = await enrolledUser();
    const change = (code?: string) =>
      bearer(t.http().post('/api/me/password'), jwt).send({
        oldPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
        code,
      });
    const noCode = await change();
    expect(noCode.status).toBe(401);
    expect(noCode.headers['gatehouse-otp']).toBe('required');
    const wrong = await change(wrongCodeFor(secret));
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toBe('oldPassword or code is wrong');
    expect((await lockState(user)).failedLoginCount).toBe(2);
    expect((await change(codeFor(secret))).status).toBe(204);
    nextStep();
    await jwtOf({ ...user, password: NEW_PASSWORD }, codeFor(secret));
  });
});

describe('a login code is taken only once the lock lets the login through', () => {
  it('a right password and code racing failures that lock: 429, and the code is not spent', async () => {
    const { user, secret } = await enrolledUser();
    const code = codeFor(secret);
    const login = () =>
      t.http().post('/v1/auth').send({ username: user.username, password: PASSWORD, otp: code });
    const hold = holdNextCall(t.db.getRepository(TotpFactor), 'findOneBy');
    try {
      const inFlight = started(login());
      await hold.reached;
      for (let failure = 0; failure < 5; failure += 1) {
        const res = await t
          .http()
          .post('/v1/auth')
          .send({ username: user.username, password: WRONG });
        expect(res.status).toBe(401);
      }
      hold.release();
      expect((await inFlight).status).toBe(429);
    } finally {
      hold.restore();
    }
    await unlock(user);
    expect((await login()).status).toBe(200);
  });
});

// ---- a re-proof is no login; a kept session keeps its start ------------------------------------

describe('a password given again inside a session', () => {
  it('is not recorded as a login, and moves no lastLoginTime', async () => {
    const user = await newUser();
    const session = await sessionFor(t, user);
    const before = await auditOf(user);
    const lastLogin = (await t.db.getRepository(User).findOneByOrFail({ id: user.id }))
      .lastLoginTime;
    await withSession(t.http().put('/api/me/public-key'), session)
      .send({ publicKey: spki(ownerKey), password: PASSWORD })
      .expect(200);
    await withSession(t.http().post('/api/me/totp'), session)
      .send({ password: PASSWORD })
      .expect(200);
    expect(
      (await withSession(t.http().post('/api/me/totp'), session).send({ password: WRONG })).status,
    ).toBe(403);
    const added = (await auditOf(user)).slice(before.length);
    expect(added.filter((event) => event.type === 'login')).toEqual([]);
    expect(added.map((event) => [event.type, event.outcome])).toEqual([
      ['credential.change', 'success'],
      ['second-factor.enrol', 'success'],
      ['second-factor.enrol', 'failure'],
    ]);
    const row = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
    expect(row.lastLoginTime).toEqual(lastLogin);
  });

  it('a password change keeps the session it came with, but not its absolute timeout anew', async () => {
    const user = await newUser();
    const session: LiveSessionCredential = await sessionFor(t, user);
    const [listed] = (await withSession(t.http().get('/api/me/sessions'), session)).body as {
      createdAt: string;
    }[];
    clock.advance(40 * MINUTE_MS);
    await withSession(t.http().post('/api/me/password'), session)
      .send({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(204);
    const [kept] = (await withSession(t.http().get('/api/me/sessions'), session)).body as {
      createdAt: string;
    }[];
    expect(kept.createdAt).toBe(listed.createdAt);
    expect(await sessionIsLive(t, session)).toBe(true);
    // 65 minutes after its start: past the absolute timeout of 60, within the idle one of 50.
    clock.advance(25 * MINUTE_MS);
    expect(await sessionIsLive(t, session)).toBe(false);
  });
});
