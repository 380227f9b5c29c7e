import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateSync } from 'otplib';
import type { Response, Test } from 'supertest';
import { RecoveryCode } from '../../src/credentials/second-factor/entities/recovery-code.entity.js';
import { TotpFactor } from '../../src/credentials/second-factor/entities/totp-factor.entity.js';
import { TotpSecrets } from '../../src/credentials/second-factor/totp-secrets.service.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { createTestDatabase } from '../support/database.js';
import { registerUser, uniqueName, type TestUser } from '../support/fixtures.js';

/**
 * The TOTP second factor on every password path of the five APIs and forward auth.
 * Every code the tests send comes from otplib, a TOTP implementation independent of the server's
 * (otpauth), itself held against RFC 6238's test vectors here, so that the server is proven
 * against what authenticator apps compute rather than against itself.
 */

const PASSWORD = 'correct-horse-battery';
const WRONG_PASSWORD = 'not-the-password-1';
const ADMIN = { username: 'tf-admin', password: 'admin-password-123' };
const COOKIE = 'GCN_SESSION_SECRET';
const STEP_MS = 30_000;
const TOTP_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** RFC 6238 appendix B, SHA-1: the 8-digit codes, of which authenticator apps show the last 6. */
const RFC_6238_SECRET = Buffer.from('12345678901234567890');
const RFC_6238_SECRET_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_6238_VECTORS: [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

let t: TestApp;
let clock: TestClock;

beforeAll(async () => {
  t = await startTestApp({
    FORWARD_AUTH_BASIC: 'true',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY,
  });
  clock = controlClock(t);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

/** The code an authenticator app shows for `secret` (base32) at the app's current time. */
function codeFor(secret: string, atMs = clock.nowMs()): string {
  return generateSync({ secret, epoch: Math.floor(atMs / 1000) });
}

/** Moves the app's clock into the next 30-second step, whose code no login has used yet. */
function nextStep(): void {
  clock.advance(STEP_MS);
}

async function createUser(): Promise<TestUser> {
  return registerUser(t, uniqueName('tf'), PASSWORD);
}

async function accessTokenOf(user: TestUser, otp?: string): Promise<string> {
  const res = await t
    .http()
    .post('/v1/auth')
    .send({ username: user.username, password: PASSWORD, otp });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

const bearer = (token: string) => `Bearer ${token}`;

interface Enrolled {
  user: TestUser;
  secret: string;
  recoveryCodes: string[];
}

/** A user with the second factor on, enrolled through self-service. */
async function enrolledUser(): Promise<Enrolled> {
  const user = await createUser();
  const token = await accessTokenOf(user);
  const start = await t
    .http()
    .post('/api/me/totp')
    .set('Authorization', bearer(token))
    .send({ password: PASSWORD });
  expect(start.status).toBe(200);
  const secret = start.body.secret as string;
  const confirm = await t
    .http()
    .post('/api/me/totp/confirm')
    .set('Authorization', bearer(token))
    .send({ code: codeFor(secret) });
  expect(confirm.status).toBe(200);
  nextStep();
  return { user, secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

/** One password login through an API, with `code` where that API takes one (none when undefined). */
interface PasswordPath {
  name: string;
  login(user: TestUser, password: string, code?: string): Test;
  /** What the API answers a successful login with. */
  succeeded(res: Response): void;
  /** The API's answer to the right password without a code. */
  askedForCode(res: Response): void;
}

const withOtpHeader = (req: Test, code?: string) =>
  code === undefined ? req : req.set('X-OTP', code);

const PATHS: PasswordPath[] = [
  {
    name: 'Security API authentication (otpToken)',
    login: (user, password, code) =>
      t
        .http()
        .post('/api/v1/security/authentication')
        .send({ username: user.username, password, otpToken: code }),
    succeeded: (res) => {
      expect(res.status).toBe(200);
      expect(res.body.token).toEqual(expect.any(String));
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        statusCode: 401,
        message: 'A second factor is required: send a TOTP or recovery code in otpToken',
      });
    },
  },
  {
    name: 'JWT API POST /v1/auth (otp)',
    login: (user, password, code) =>
      t.http().post('/v1/auth').send({ username: user.username, password, otp: code }),
    succeeded: (res) => {
      expect(res.status).toBe(200);
      expect(res.body.access_token).toEqual(expect.any(String));
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        code: 401,
        message: 'A second factor is required!',
        description: 'Send the TOTP or recovery code of the account in otp.',
      });
    },
  },
  {
    name: 'session login (otp)',
    login: (user, password, code) =>
      t.http().post('/auth/login').send({ login: user.username, password, otp: code }),
    succeeded: (res) => {
      expect(res.status).toBe(201);
      expect(res.body.sid).toEqual(expect.any(String));
      expect(String(res.headers['set-cookie'])).toContain(`${COOKIE}=`);
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.body.responseInfo.responseCode).toBe('AUTHREQUIRED');
      expect(res.body.responseInfo.responseMessage).toContain('second factor is required');
      expect(res.headers['set-cookie']).toBeUndefined();
    },
  },
  {
    name: 'REST-auth GET /api/token (X-OTP)',
    login: (user, password, code) =>
      withOtpHeader(
        t.http().get('/api/token').set('Authorization', basic(user.username, password)),
        code,
      ),
    succeeded: (res) => {
      expect(res.status).toBe(200);
      expect(res.body.token).toEqual(expect.any(String));
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.text).toBe('Unauthorized Access');
      expect(res.headers['www-authenticate']).toBe('Basic realm="Authentication Required"');
    },
  },
  {
    name: 'user-token login POST /auth/login with Basic (X-OTP)',
    login: (user, password, code) =>
      withOtpHeader(
        t
          .http()
          .post('/auth/login')
          .set('Authorization', basic(user.username, password))
          .send({ note: 'cli' }),
        code,
      ),
    succeeded: (res) => {
      expect(res.status).toBe(200);
      expect(res.body.token).toEqual(expect.any(String));
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(res.body.message).toBe(
        'A second factor is required: send a TOTP or recovery code in the X-OTP header',
      );
    },
  },
  {
    name: 'forward auth with Basic (X-OTP)',
    login: (user, password, code) =>
      withOtpHeader(
        t.http().get('/auth/forward').set('Authorization', basic(user.username, password)),
        code,
      ),
    succeeded: (res) => {
      expect(res.status).toBe(200);
      expect(res.headers['x-auth-user']).toEqual(expect.any(String));
    },
    askedForCode: (res) => {
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toEqual(expect.any(String));
    },
  },
];

/** What an answer shows a client: status, body and the headers that carry meaning. */
function visible(res: Response): unknown {
  return {
    status: res.status,
    body: res.text.replace(/"timestamp":\d+,"id":\d+/g, ''),
    challenge: res.headers['www-authenticate'],
    otp: res.headers['gatehouse-otp'],
  };
}

async function failedLoginCount(user: TestUser): Promise<number> {
  return (await t.db.getRepository(User).findOneByOrFail({ id: user.id })).failedLoginCount;
}

async function unlock(user: TestUser): Promise<void> {
  await t.db
    .getRepository(User)
    .update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null });
}

describe('the independent TOTP implementation the tests use', () => {
  it("computes RFC 6238's SHA-1 test vectors", () => {
    const secret = RFC_6238_SECRET_BASE32;
    for (const [seconds, code] of RFC_6238_VECTORS) {
      expect(generateSync({ secret, epoch: seconds }), `T=${seconds}`).toBe(code.slice(-6));
    }
  });
});

describe('enrolment (POST /api/me/totp, /confirm)', () => {
  it('needs the current password, answers a key URI, a secret and an SVG QR code, and changes nothing until confirmed', async () => {
    const user = await createUser();
    const token = await accessTokenOf(user);
    const wrong = await t
      .http()
      .post('/api/me/totp')
      .set('Authorization', bearer(token))
      .send({ password: WRONG_PASSWORD });
    expect(wrong.status).toBe(403);
    expect(await failedLoginCount(user)).toBe(1);

    const res = await t
      .http()
      .post('/api/me/totp')
      .set('Authorization', bearer(token))
      .send({ password: PASSWORD });
    expect(res.status).toBe(200);
    const { secret, otpauthUri, qrCodeSvg } = res.body as Record<string, string>;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri);
    expect(`${uri.protocol}//${uri.host}${decodeURIComponent(uri.pathname)}`).toBe(
      `otpauth://totp/Gatehouse:${user.username}`,
    );
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Gatehouse');
    expect(qrCodeSvg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>\s*$/s);

    // Abandoned here: logins go on without a code, and the profile says no factor is on.
    nextStep();
    expect((await PATHS[1].login(user, PASSWORD)).status).toBe(200);
    const me = await t.http().get('/api/me').set('Authorization', bearer(token));
    expect(me.body.secondFactor).toBe(false);
    expect(await failedLoginCount(user)).toBe(0);
  });

  it('turns the factor on with a first code from the app, and answers ten recovery codes once', async () => {
    const user = await createUser();
    const token = await accessTokenOf(user);
    const start = await t
      .http()
      .post('/api/me/totp')
      .set('Authorization', bearer(token))
      .send({ password: PASSWORD });
    const secret = start.body.secret as string;
    const confirm = (code: string) =>
      t.http().post('/api/me/totp/confirm').set('Authorization', bearer(token)).send({ code });

    expect((await confirm(codeFor(secret, clock.nowMs() + 5 * STEP_MS))).status).toBe(403);
    const res = await confirm(codeFor(secret));
    expect(res.status).toBe(200);
    const codes = res.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);

    const me = await t.http().get('/api/me').set('Authorization', bearer(token));
    expect(me.body.secondFactor).toBe(true);
    const again = await t
      .http()
      .post('/api/me/totp')
      .set('Authorization', bearer(token))
      .send({ password: PASSWORD });
    expect(again.status).toBe(409);
    expect((await confirm(codeFor(secret))).status).toBe(409);

    // Nothing a dump holds gives the secret or a recovery code away.
    const stored = await t.db.getRepository(TotpFactor).findOneByOrFail({ userId: user.id });
    const secretBytes = Buffer.from(base32Decode(secret));
    for (const form of [secret, secretBytes.toString('hex'), secretBytes.toString('base64')]) {
      expect(stored.encryptedSecret).not.toContain(form);
    }
    const hashes = (await t.db.getRepository(RecoveryCode).findBy({ userId: user.id })).map(
      (row) => row.codeHash,
    );
    expect(hashes).toHaveLength(10);
    for (const code of codes) {
      for (const form of [code, code.replace('-', '')]) {
        expect(hashes).not.toContain(form);
        expect(hashes).not.toContain(createHash('sha256').update(form).digest('hex'));
      }
    }
  });

  it('is refused to a caller without a session or token, and to a bad body', async () => {
    expect((await t.http().post('/api/me/totp').send({ password: PASSWORD })).status).toBe(401);
    const user = await createUser();
    const token = await accessTokenOf(user);
    const res = await t.http().post('/api/me/totp').set('Authorization', bearer(token)).send({});
    expect(res.status).toBe(400);
  });
});

describe.each(PATHS)('$name with the second factor on', (path) => {
  let enrolled: Enrolled;
  beforeEach(async () => {
    enrolled = await enrolledUser();
  });

  it('asks the right password for a code, and counts that as a failure', async () => {
    const res = await path.login(enrolled.user, PASSWORD);
    path.askedForCode(res);
    expect(res.headers['gatehouse-otp']).toBe('required');
    expect(await failedLoginCount(enrolled.user)).toBe(1);
  });

  it('takes the right password with the current code, and resets the failure count', async () => {
    await path.login(enrolled.user, WRONG_PASSWORD);
    path.succeeded(await path.login(enrolled.user, PASSWORD, codeFor(enrolled.secret)));
    expect(await failedLoginCount(enrolled.user)).toBe(0);
  });

  it('takes a code of the step before or after (clock skew), but not two steps away', async () => {
    // Two steps on from the confirmation's code, so that the step before is one no code used.
    nextStep();
    nextStep();
    path.succeeded(
      await path.login(enrolled.user, PASSWORD, codeFor(enrolled.secret, clock.nowMs() - STEP_MS)),
    );
    nextStep();
    nextStep();
    path.succeeded(
      await path.login(enrolled.user, PASSWORD, codeFor(enrolled.secret, clock.nowMs() + STEP_MS)),
    );
    nextStep();
    nextStep();
    nextStep();
    const far = await path.login(
      enrolled.user,
      PASSWORD,
      codeFor(enrolled.secret, clock.nowMs() + 2 * STEP_MS),
    );
    expect(far.status).toBe(401);
    expect(far.headers['gatehouse-otp']).toBeUndefined();
  });

  it('answers a wrong code, a replayed code and a wrong password alike, each a failure', async () => {
    const code = codeFor(enrolled.secret);
    path.succeeded(await path.login(enrolled.user, PASSWORD, code));
    const wrongPassword = await path.login(enrolled.user, WRONG_PASSWORD, codeFor(enrolled.secret));
    const replayed = await path.login(enrolled.user, PASSWORD, code);
    const wrongCode = await path.login(
      enrolled.user,
      PASSWORD,
      code === '000000' ? '000001' : '000000',
    );
    const notACode = await path.login(enrolled.user, PASSWORD, 'not a code');
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.headers['gatehouse-otp']).toBeUndefined();
    for (const res of [replayed, wrongCode, notACode])
      expect(visible(res)).toEqual(visible(wrongPassword));
    expect(await failedLoginCount(enrolled.user)).toBe(4);
  });

  it('takes each recovery code once ever', async () => {
    const [code] = enrolled.recoveryCodes;
    path.succeeded(await path.login(enrolled.user, PASSWORD, code.toUpperCase()));
    nextStep();
    expect((await path.login(enrolled.user, PASSWORD, code)).status).toBe(401);
    path.succeeded(
      await path.login(enrolled.user, PASSWORD, enrolled.recoveryCodes[1].replace('-', '')),
    );
  });
});

describe('credentials issued with a code are used without one', () => {
  it('REST-auth: the token from GET /api/token with X-OTP authenticates as username', async () => {
    const { user, secret } = await enrolledUser();
    const res = await t
      .http()
      .get('/api/token')
      .set('Authorization', basic(user.username, PASSWORD))
      .set('X-OTP', codeFor(secret));
    const resource = await t
      .http()
      .get('/api/resource')
      .set('Authorization', basic(res.body.token, 'unused'));
    expect(resource.status).toBe(200);
    const next = await t
      .http()
      .get('/api/token')
      .set('Authorization', basic(res.body.token, 'unused'));
    expect(next.status).toBe(200);
  });

  it('user tokens: the token from POST /auth/login with X-OTP works as Bearer', async () => {
    const { user, secret } = await enrolledUser();
    const login = await t
      .http()
      .post('/auth/login')
      .set('Authorization', basic(user.username, PASSWORD))
      .set('X-OTP', codeFor(secret))
      .send({});
    expect(login.status).toBe(200);
    const check = await t
      .http()
      .post('/api/v1/security/token')
      .send({ token: login.body.token, service: 'orders' });
    expect(check.body.tokenStatus).toBe('valid');
  });

  it('self-service: a token issued with a code is no proof, so a password change asks for a code again', async () => {
    const { user, secret } = await enrolledUser();
    const token = await accessTokenOf(user, codeFor(secret));
    nextStep();
    const change = (code?: string) =>
      t
        .http()
        .post('/api/me/password')
        .set('Authorization', bearer(token))
        .send({ oldPassword: PASSWORD, newPassword: 'another-password-42', code });
    const withoutCode = await change();
    expect(withoutCode.status).toBe(401);
    expect(withoutCode.headers['gatehouse-otp']).toBe('required');
    expect((await change(codeFor(secret))).status).toBe(204);
  });
});

describe('the lock', () => {
  it('locks after five wrong codes, and then refuses the right password with the right code', async () => {
    const { user, secret } = await enrolledUser();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      expect((await PATHS[0].login(user, PASSWORD, '000000')).status).toBe(401);
    }
    // A missing code is the fifth failure, which locks.
    expect((await PATHS[0].login(user, PASSWORD)).status).toBe(401);
    const locked = await PATHS[0].login(user, PASSWORD, codeFor(secret));
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
  });

  it('holds under a concurrent burst of wrong codes: no more than five are judged', async () => {
    const { user, secret } = await enrolledUser();
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        PATHS[index % 2].login(user, PASSWORD, String(100000 + index)),
      ),
    );
    const statuses = burst.map((res) => res.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect((await PATHS[1].login(user, PASSWORD, codeFor(secret))).status).toBe(429);
  });

  it('lets exactly one of many concurrent logins use one code', async () => {
    const { user, secret } = await enrolledUser();
    const code = codeFor(secret);
    const burst = await Promise.all(
      Array.from({ length: 4 }, () => PATHS[1].login(user, PASSWORD, code)),
    );
    expect(burst.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401, 401, 401]);
    await unlock(user);
  });

  it('lets exactly one of many concurrent logins use one recovery code', async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const burst = await Promise.all(
      Array.from({ length: 4 }, () => PATHS[0].login(user, PASSWORD, recoveryCodes[0])),
    );
    expect(burst.map((res) => res.status).sort((a, b) => a - b)).toEqual([200, 401, 401, 401]);
  });
});

describe('turning it off', () => {
  it('DELETE /api/me/totp takes a current code, and a wrong one counts towards the lock', async () => {
    const { user, secret } = await enrolledUser();
    const token = await accessTokenOf(user, codeFor(secret));
    nextStep();
    const disable = (code: string) =>
      t.http().delete('/api/me/totp').set('Authorization', bearer(token)).send({ code });
    expect((await disable('123456')).status).toBe(403);
    expect(await failedLoginCount(user)).toBe(1);
    expect((await disable(codeFor(secret))).status).toBe(204);
    expect((await disable(codeFor(secret))).status).toBe(409);
    expect((await PATHS[0].login(user, PASSWORD)).status).toBe(200);
    expect(await t.db.getRepository(RecoveryCode).countBy({ userId: user.id })).toBe(0);
  });

  it('DELETE /api/me/totp takes a recovery code', async () => {
    const { user, secret, recoveryCodes } = await enrolledUser();
    const token = await accessTokenOf(user, codeFor(secret));
    const res = await t
      .http()
      .delete('/api/me/totp')
      .set('Authorization', bearer(token))
      .send({ code: recoveryCodes[3] });
    expect(res.status).toBe(204);
  });

  it('an admin resets it (DELETE /api/admin/users/{id}/totp), and the admin view says so', async () => {
    const { user } = await enrolledUser();
    const admin = await t
      .http()
      .post('/v1/auth')
      .send({ username: ADMIN.username, password: ADMIN.password });
    const auth = bearer(admin.body.access_token as string);
    const before = await t.http().get(`/api/admin/users/${user.id}`).set('Authorization', auth);
    expect(before.body.secondFactor).toBe(true);
    const reset = await t
      .http()
      .delete(`/api/admin/users/${user.id}/totp`)
      .set('Authorization', auth);
    expect(reset.status).toBe(204);
    const after = await t.http().get(`/api/admin/users/${user.id}`).set('Authorization', auth);
    expect(after.body.secondFactor).toBe(false);
    expect((await PATHS[1].login(user, PASSWORD)).status).toBe(200);
    expect(
      (await t.http().delete('/api/admin/users/999999/totp').set('Authorization', auth)).status,
    ).toBe(404);
    const events = await t
      .http()
      .get('/api/admin/audit-events')
      .query({ userId: user.id, type: 'second-factor.disable' })
      .set('Authorization', auth);
    expect(events.body.items[0]).toMatchObject({
      outcome: 'success',
      api: 'admin',
      detail: { action: 'reset', wasOn: true },
    });
  });
});

describe('audit and metrics', () => {
  it('records enrolment, confirmation and the factor used, and counts second-factor failures', async () => {
    const metric = async (reason: string) => {
      const text = (await t.http().get('/metrics')).text;
      const line = text
        .split('\n')
        .find((each) =>
          each.startsWith(`gatehouse_second_factor_failures_total{api="jwt",reason="${reason}"}`),
        );
      return Number(line?.split(' ')[1] ?? 0);
    };
    const missingBefore = await metric('missing');
    const wrongBefore = await metric('wrong');
    const { user, secret, recoveryCodes } = await enrolledUser();
    await PATHS[1].login(user, PASSWORD);
    await PATHS[1].login(user, PASSWORD, '000000');
    await PATHS[1].login(user, PASSWORD, codeFor(secret));
    nextStep();
    await PATHS[1].login(user, PASSWORD, recoveryCodes[0]);
    expect(await metric('missing')).toBe(missingBefore + 1);
    expect(await metric('wrong')).toBe(wrongBefore + 1);

    const admin = await t
      .http()
      .post('/v1/auth')
      .send({ username: ADMIN.username, password: ADMIN.password });
    const events = await t
      .http()
      .get('/api/admin/audit-events')
      .query({ userId: user.id, limit: 50 })
      .set('Authorization', bearer(admin.body.access_token as string));
    const seen = (
      events.body.items as {
        type: string;
        outcome: string;
        detail: Record<string, unknown> | null;
      }[]
    )
      .reverse()
      .map((event) => [event.type, event.outcome, event.detail?.secondFactor ?? null]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['second-factor.enrol', 'success', null],
        ['second-factor.enable', 'success', null],
        ['login', 'failure', 'missing'],
        ['login', 'failure', 'wrong'],
        ['login', 'success', 'totp'],
        ['login', 'success', 'recovery-code'],
      ]),
    );
    expect(JSON.stringify(events.body)).not.toContain(secret);
    expect(JSON.stringify(events.body)).not.toContain(recoveryCodes[0]);
  });
});

describe("RFC 6238's test vectors, as the server checks them", () => {
  it('accepts the code the RFC gives at each of its times', async () => {
    const user = await createUser();
    const factors = t.db.getRepository(TotpFactor);
    await factors.insert({
      userId: user.id,
      encryptedSecret: t.app.get(TotpSecrets).encrypt(user.id, RFC_6238_SECRET),
      enabledAt: new Date(),
      lastUsedStep: null,
      createdAt: new Date(),
    });
    for (const [seconds, code] of RFC_6238_VECTORS) {
      clock.advance(seconds * 1000 - clock.nowMs());
      const res = await PATHS[1].login(user, PASSWORD, code.slice(-6));
      expect(res.status, `T=${seconds}`).toBe(200);
    }
    clock.advance(Date.now() - clock.nowMs());
  });
});

/** RFC 4648 base32 read back into bytes, to look for the secret in other encodings. */
function base32Decode(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const character of text) bits += alphabet.indexOf(character).toString(2).padStart(5, '0');
  const bytes = [];
  for (let index = 0; index + 8 <= bits.length; index += 8) {
    bytes.push(parseInt(bits.slice(index, index + 8), 2));
  }
  return Uint8Array.from(bytes);
}

describe('the key that protects the secrets', () => {
  const onPostgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

  /** A user enrolled on `app`, and its secret. */
  async function enrolOn(app: TestApp): Promise<{ user: TestUser; secret: string }> {
    const user = await registerUser(app, uniqueName('tf-key'), PASSWORD);
    const login = await app
      .http()
      .post('/v1/auth')
      .send({ username: user.username, password: PASSWORD });
    const auth = bearer(login.body.access_token as string);
    const start = await app
      .http()
      .post('/api/me/totp')
      .set('Authorization', auth)
      .send({ password: PASSWORD });
    expect(start.status).toBe(200);
    const secret = start.body.secret as string;
    const confirm = await app
      .http()
      .post('/api/me/totp/confirm')
      .set('Authorization', auth)
      .send({ code: generateSync({ secret, epoch: Math.floor(Date.now() / 1000) - 30 }) });
    expect(confirm.status).toBe(200);
    return { user, secret };
  }

  const loginWithCode = (app: TestApp, user: TestUser, secret: string) =>
    app
      .http()
      .post('/v1/auth')
      .send({
        username: user.username,
        password: PASSWORD,
        otp: generateSync({ secret, epoch: Math.floor(Date.now() / 1000) }),
      });

  it.skipIf(onPostgres)(
    'on SQLite without TOTP_ENCRYPTION_KEY: generated into totp.key (0600) beside the database, and read again at restart',
    async () => {
      const database = await createTestDatabase();
      const first = await startTestApp({}, database);
      const { user, secret } = await enrolOn(first);
      await first.close();
      const keyFile = join(dirname(database.url.slice('sqlite:'.length)), 'totp.key');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);

      const restarted = await startTestApp({}, database);
      try {
        expect((await loginWithCode(restarted, user, secret)).status).toBe(200);
      } finally {
        await restarted.close();
        await database.drop();
      }
    },
  );

  it.runIf(onPostgres)(
    'on PostgreSQL without TOTP_ENCRYPTION_KEY: enrolment answers 503 naming the setting, and logins go on',
    async () => {
      const app = await startTestApp();
      try {
        const user = await registerUser(app, uniqueName('tf-key'), PASSWORD);
        const login = await app
          .http()
          .post('/v1/auth')
          .send({ username: user.username, password: PASSWORD });
        expect(login.status).toBe(200);
        const res = await app
          .http()
          .post('/api/me/totp')
          .set('Authorization', bearer(login.body.access_token as string))
          .send({ password: PASSWORD });
        expect(res.status).toBe(503);
        expect(res.body.message).toContain('TOTP_ENCRYPTION_KEY');
      } finally {
        await app.close();
      }
    },
  );

  it('with another key than the secrets were stored with: enrolled users are refused (503), never let in', async () => {
    const database = await createTestDatabase();
    const first = await startTestApp({ TOTP_ENCRYPTION_KEY }, database);
    const { user, secret } = await enrolOn(first);
    await first.close();
    const otherKey = randomBytes(32).toString('base64');
    const second = await startTestApp({ TOTP_ENCRYPTION_KEY: otherKey }, database);
    try {
      const res = await loginWithCode(second, user, secret);
      expect(res.status).toBe(503);
      expect(JSON.stringify(res.body)).not.toContain(otherKey);
    } finally {
      await second.close();
      await database.drop();
    }
  });
});
