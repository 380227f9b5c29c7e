import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import type { Response } from 'supertest';
import { User } from '../../src/user-store/entities/user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor, enrolTotp, tokenStatus } from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  addPasskey,
  authenticatorFor,
  bearerOf,
  passkeyOptions,
  passkeySignIn,
  signInOptions,
} from '../support/passkeys.js';
import type { SoftwareAuthenticator } from '../support/webauthn-authenticator.js';

/**
 * Signing in with a passkey alone at /webauthn/authentication, over HTTP: no username (the options
 * list no credential), an access token as /v1/auth issues it, no second-factor code asked; every
 * way an assertion can be wrong (a challenge replayed, expired, another browser's or made for a
 * registration; another origin or RP ID; no user verification; a counter that goes back; a
 * passkey that is gone) refused in the JWT API's words, counted towards the lock of the passkey's
 * user and audited; a locked account refused even with a good passkey; a success that resets
 * the count; and a passkey that turns on no second factor for password logins.
 */

const PASSWORD = 'correct-horse-battery';
const WRONG = 'not-the-password-1';
const ADMIN = { username: 'pks-admin', password: 'admin-password-123' };
const CHALLENGE_MS = 5 * 60_000;
const LOCKOUT_BASE_SECONDS = 30;
const REFUSED = { code: 401, message: 'Invalid passkey!' };

let t: TestApp;
let clock: TestClock;

beforeAll(async () => {
  t = await startTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  clock = controlClock(t);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

/** A user with one passkey, made by the authenticator returned. */
async function userWithPasskey(
  name = 'Laptop',
): Promise<{ user: TestUser; authenticator: SoftwareAuthenticator; passkeyId: number }> {
  const user = await registerUser(t, uniqueName('pks'), PASSWORD);
  const authenticator = authenticatorFor(t);
  const { id } = await addPasskey(t, user, authenticator, { name });
  return { user, authenticator, passkeyId: id };
}

/** The sign-in of `response` to the challenge `challengeId`, with `cookie` when given. */
function answer(challengeId: string, response: unknown, cookie?: string): Promise<Response> {
  const req = t.http().post('/webauthn/authentication');
  return (cookie ? req.set('Cookie', cookie) : req).send({ challengeId, response });
}

function expectRefused(res: Response): void {
  expect(res.status).toBe(401);
  expect(res.body).toEqual(REFUSED);
}

async function lockState(user: TestUser) {
  const row = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
  return { failedLoginCount: row.failedLoginCount, lockedUntil: row.lockedUntil };
}

async function passwordLogin(user: TestUser, password = user.password): Promise<number> {
  const res = await t.http().post('/v1/auth').send({ username: user.username, password });
  return res.status;
}

interface LoginEvent {
  outcome: string;
  api: string | null;
  userId: number | null;
  detail: Record<string, unknown>;
}

/** The `login` events of passkey sign-ins since `sinceId`, oldest first. */
async function passkeyLogins(sinceId = 0): Promise<(LoginEvent & { id: number })[]> {
  const rows = await sql(
    t,
    `SELECT * FROM "audit_event" WHERE "type" = 'login' AND "id" > $1 ORDER BY "id"`,
    [sinceId],
  );
  return rows
    .map((row) => ({
      id: Number(row.id),
      outcome: row.outcome as string,
      api: row.api as string | null,
      userId: row.userId === null ? null : Number(row.userId),
      detail: JSON.parse(row.detail as string) as Record<string, unknown>,
    }))
    .filter((event) => event.detail.method === 'passkey');
}

async function lastEventId(): Promise<number> {
  const [row] = await sql(t, 'SELECT MAX("id") AS "id" FROM "audit_event"');
  return Number(row.id ?? 0);
}

describe('signing in with a passkey alone', () => {
  it('names no account in its options and answers an access token as /v1/auth issues it', async () => {
    const { user, authenticator, passkeyId } = await userWithPasskey();
    const since = await lastEventId();
    const options = await signInOptions(t);
    expect(options).toEqual({
      rpId: 'localhost',
      challenge: options.challengeId,
      timeout: CHALLENGE_MS,
      userVerification: 'required',
      challengeId: options.challengeId,
    });
    const res = await answer(options.challengeId, authenticator.get(options));
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['access_token']);
    const token = res.body.access_token as string;
    expect(await tokenStatus(t, token)).toBe('valid');

    // The claims of a password login's token, from the same issuer.
    const byPassword = decodeJwt(await accessTokenFor(t, user)).payload;
    const claims = decodeJwt(token).payload;
    expect(Object.keys(claims).sort()).toEqual(Object.keys(byPassword).sort());
    expect(claims).toMatchObject({
      sub: String(user.id),
      sub_type: 'user',
      iss: byPassword.iss,
      scope: byPassword.scope,
    });

    const events = await passkeyLogins(since);
    expect(events).toEqual([
      expect.objectContaining({
        outcome: 'success',
        api: 'webauthn',
        userId: user.id,
        detail: { method: 'passkey', passkeyId },
      }),
    ]);
    const [issued] = await sql(
      t,
      `SELECT * FROM "audit_event" WHERE "type" = 'token.issue' AND "userId" = $1 AND "api" = 'webauthn'`,
      [user.id],
    );
    expect(issued).toBeDefined();
    const listed = await t.http().get('/api/me/passkeys').set('Authorization', `Bearer ${token}`);
    expect(listed.body[0].lastUsedAt).not.toBeNull();
  });

  it('asks no code of a user whose TOTP is on, and a passkey turns on no code for password logins', async () => {
    const plain = await userWithPasskey();
    expect(await passwordLogin(plain.user)).toBe(200);

    const user = await registerUser(t, uniqueName('pks-totp'), PASSWORD);
    const codeFor = (secret: string) =>
      generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });
    const { secret } = await enrolTotp(t, user, codeFor);
    clock.advance(30_000);
    const authorization = await bearerOf(t, user, codeFor(secret));
    clock.advance(30_000);
    const authenticator = authenticatorFor(t);
    await addPasskey(t, user, authenticator, { code: codeFor(secret), authorization });
    expect(await passwordLogin(user)).toBe(401);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
  });

  it('refuses a malformed body in the JWT API dialect (400), never a 500', async () => {
    const missing = await t.http().post('/webauthn/authentication').send({});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      code: 400,
      message: 'Required fields were not provided...',
      description: 'challengeId, response are required!',
    });
    for (const response of ['text', [], { id: 5 }, { response: { clientDataJSON: 7 } }]) {
      const options = await signInOptions(t);
      const res = await answer(options.challengeId, response);
      expect([400, 401], JSON.stringify(response)).toContain(res.status);
    }
    const notJson = await t
      .http()
      .post('/webauthn/authentication')
      .set('Content-Type', 'application/json')
      .send('{');
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toBe('Unable to process request body!');
  });
});

describe('every wrong assertion is refused, audited and counted towards the lock', () => {
  it('refuses a replayed challenge', async () => {
    const { user, authenticator } = await userWithPasskey();
    const options = await signInOptions(t);
    expect((await answer(options.challengeId, authenticator.get(options))).status).toBe(200);
    const since = await lastEventId();
    expectRefused(await answer(options.challengeId, authenticator.get(options)));
    expect((await passkeyLogins(since)).map((event) => event.detail.reason)).toEqual([
      'passkey-challenge',
    ]);
    expect((await lockState(user)).failedLoginCount).toBe(1);
  });

  it('refuses an expired challenge (five minutes)', async () => {
    const { authenticator } = await userWithPasskey();
    const options = await signInOptions(t);
    clock.advance(CHALLENGE_MS + 1_000);
    expectRefused(await answer(options.challengeId, authenticator.get(options)));
    const fresh = await signInOptions(t);
    clock.advance(CHALLENGE_MS - 1_000);
    expect((await answer(fresh.challengeId, authenticator.get(fresh))).status).toBe(200);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { userVerified: false }],
    ['no user presence', { userPresent: false }],
    ['a registration type', { type: 'webauthn.create' }],
    ['another challenge in the client data', { challenge: randomBytes(32).toString('base64url') }],
    ['another user handle', { userHandle: randomBytes(32).toString('base64url') }],
  ])('refuses an assertion made for %s', async (_, overrides) => {
    const { user, authenticator, passkeyId } = await userWithPasskey();
    const since = await lastEventId();
    expectRefused(await passkeySignIn(t, authenticator, overrides));
    expect(await passkeyLogins(since)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        userId: user.id,
        detail: expect.objectContaining({ passkeyId, reason: 'passkey-signature' }),
      }),
    ]);
    expect((await lockState(user)).failedLoginCount).toBe(1);
  });

  it('refuses a counter that goes back (a cloned authenticator), naming the passkey in the audit', async () => {
    const { user, authenticator, passkeyId } = await userWithPasskey('Security key');
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
    const clone = authenticator.clone();
    const since = await lastEventId();
    expectRefused(await passkeySignIn(t, clone, { counter: 1 }));
    // The same counter again is no better: it must grow.
    expectRefused(await passkeySignIn(t, clone, { counter: 2 }));
    expect(await passkeyLogins(since)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        userId: user.id,
        detail: {
          method: 'passkey',
          passkeyId,
          reason: 'passkey-counter',
          name: 'Security key',
        },
      }),
      expect.objectContaining({ detail: expect.objectContaining({ reason: 'passkey-counter' }) }),
    ]);
    expect((await lockState(user)).failedLoginCount).toBe(2);
    expect((await passkeySignIn(t, authenticator, { counter: 3 })).status).toBe(200);
  });

  it('takes authenticators that never count: a counter of zero, again and again', async () => {
    const user = await registerUser(t, uniqueName('pks-zero'), PASSWORD);
    const authenticator = authenticatorFor(t, { counterStep: 0 });
    await addPasskey(t, user, authenticator);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
  });

  it('refuses the assertion of a removed passkey, counting nothing against any account', async () => {
    const { user, authenticator, passkeyId } = await userWithPasskey();
    const removed = await t
      .http()
      .delete(`/api/me/passkeys/${passkeyId}`)
      .set('Authorization', await bearerOf(t, user));
    expect(removed.status).toBe(204);
    const since = await lastEventId();
    expectRefused(await passkeySignIn(t, authenticator));
    expect(await passkeyLogins(since)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        userId: null,
        detail: { method: 'passkey', reason: 'passkey-unknown-credential' },
      }),
    ]);
    expect((await lockState(user)).failedLoginCount).toBe(0);
  });

  it('refuses a registration challenge answered as a sign-in', async () => {
    const { user, authenticator } = await userWithPasskey();
    const creation = await passkeyOptions(t, await bearerOf(t, user), { password: PASSWORD });
    const forged = authenticator.get({ challenge: creation.body.challengeId, rpId: 'localhost' });
    expectRefused(await answer(creation.body.challengeId, forged));
  });

  it("binds the challenge to the portal browser whose form cookie asked: another browser's answer is refused", async () => {
    const { authenticator } = await userWithPasskey();
    const cookie = `gatehouse_csrf=${randomBytes(18).toString('base64url')}`;
    const bound = await signInOptions(t, cookie);
    const assertion = authenticator.get(bound);
    expectRefused(await answer(bound.challengeId, assertion));
    expectRefused(
      await answer(
        bound.challengeId,
        assertion,
        `gatehouse_csrf=${randomBytes(18).toString('base64url')}`,
      ),
    );
    // Neither took it: the browser that asked still can.
    expect((await answer(bound.challengeId, authenticator.get(bound), cookie)).status).toBe(200);
  });

  it('lets one of two racing answers to one challenge through, and one of two uses of one counter value', async () => {
    const { authenticator } = await userWithPasskey();
    const options = await signInOptions(t);
    const replies = await Promise.all([
      answer(options.challengeId, authenticator.get(options)),
      answer(options.challengeId, authenticator.get(options)),
    ]);
    expect(replies.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401]);

    const first = await signInOptions(t);
    const second = await signInOptions(t);
    const counter = authenticator.credentials[0].counter + 1;
    const racing = await Promise.all([
      answer(first.challengeId, authenticator.get(first, { counter })),
      answer(second.challengeId, authenticator.get(second, { counter })),
    ]);
    expect(racing.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401]);
  });
});

describe('the lock: passkeys count as logins do', () => {
  it('locks the account after five failures of any kind; a good passkey then gets 429, and after the lock signs in and resets the count', async () => {
    const { user, authenticator } = await userWithPasskey();
    expect(await passwordLogin(user, WRONG)).toBe(401);
    expect(await passwordLogin(user, WRONG)).toBe(401);
    expectRefused(await passkeySignIn(t, authenticator, { origin: 'https://evil.example' }));
    expectRefused(await passkeySignIn(t, authenticator, { userVerified: false }));
    const options = await signInOptions(t);
    clock.advance(CHALLENGE_MS + 1_000);
    expectRefused(await answer(options.challengeId, authenticator.get(options)));
    expect((await lockState(user)).failedLoginCount).toBe(5);

    const since = await lastEventId();
    const locked = await passkeySignIn(t, authenticator);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await passkeyLogins(since)).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        detail: expect.objectContaining({ locked: true }),
      }),
    ]);
    expect(await passwordLogin(user)).toBe(429);

    clock.advance(LOCKOUT_BASE_SECONDS * 1000 + 1_000);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
    expect(await lockState(user)).toEqual({ failedLoginCount: 0, lockedUntil: null });
  });

  it('a passkey sign-in is a full success: it resets the count of password failures', async () => {
    const { user, authenticator } = await userWithPasskey();
    for (let i = 0; i < 4; i += 1) expect(await passwordLogin(user, WRONG)).toBe(401);
    expect((await passkeySignIn(t, authenticator)).status).toBe(200);
    expect((await lockState(user)).failedLoginCount).toBe(0);
    for (let i = 0; i < 4; i += 1) expect(await passwordLogin(user, WRONG)).toBe(401);
    expect(await passwordLogin(user)).toBe(200);
  });

  it('refuses a disabled user, audited as such', async () => {
    const { user, authenticator } = await userWithPasskey();
    const admin = `Bearer ${await accessTokenFor(t, ADMIN)}`;
    const disabled = await t
      .http()
      .patch(`/api/admin/users/${user.id}`)
      .set('Authorization', admin)
      .send({ enabled: false });
    expect(disabled.status).toBe(200);
    const since = await lastEventId();
    expectRefused(await passkeySignIn(t, authenticator));
    expect((await passkeyLogins(since)).map((event) => event.detail.reason)).toEqual(['disabled']);
  });
});

describe('passkey sign-in limits and settings', () => {
  it('counts both routes against the per-address login limit', async () => {
    const limited = await startTestApp({ LOGIN_ATTEMPTS_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 2; i += 1) {
        const options = await limited.http().post('/webauthn/authentication/options');
        statuses.push(options.status);
        const res = await limited
          .http()
          .post('/webauthn/authentication')
          .send({ challengeId: options.body.challengeId ?? 'x', response: {} });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 401, 200, 429]);
    } finally {
      await limited.close();
    }
  });

  it("answers 503 naming WEBAUTHN_RP_ID while PUBLIC_URL's host is an IP address, and runs on", async () => {
    const byAddress = await startTestApp({ PUBLIC_URL: 'http://127.0.0.1:3000' });
    try {
      const res = await byAddress.http().post('/webauthn/authentication/options');
      expect(res.status).toBe(503);
      expect(res.body.description).toMatch(/WEBAUTHN_RP_ID/);
      expect((await byAddress.http().get('/health/ready')).status).toBe(200);
    } finally {
      await byAddress.close();
    }
    const named = await startTestApp({
      PUBLIC_URL: 'http://127.0.0.1:3000',
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: 'http://localhost:3000',
    });
    try {
      const options = await named.http().post('/webauthn/authentication/options');
      expect(options.status).toBe(200);
      expect(options.body.rpId).toBe('localhost');
    } finally {
      await named.close();
    }
  });
});
