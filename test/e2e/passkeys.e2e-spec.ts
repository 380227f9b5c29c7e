import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import type { Test } from 'supertest';
import { Passkey } from '../../src/credentials/passkeys/entities/passkey.entity.js';
import { AccountService } from '../../src/account/account.service.js';
import { SessionsService } from '../../src/credentials/sessions/sessions.service.js';
import type { RequestActor } from '../../src/identity/request-actor.decorator.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor, enrolTotp, sessionFor, withSession } from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  addPasskey,
  authenticatorFor,
  bearerOf,
  type CreationOptionsWithId,
  passkeyOptions,
  passkeySignIn,
  postPasskey,
} from '../support/passkeys.js';

/**
 * Passkeys as credentials of the one lifecycle, over HTTP: the owner adds one only by proving
 * the password (and a code while TOTP is on; on the portal, a passkey sign-in of the browser's
 * own session within five minutes will do), so a stolen token or session cannot make one of
 * its own; each registration challenge is the asker's, open five minutes, used once; the owner
 * lists, renames and removes them; admins remove them (one user's, "end all credentials", a
 * second-factor reset) and never add one; every change is audited; nothing that signs is kept.
 */

const PASSWORD = 'correct-horse-battery';
const WRONG = 'not-the-password-1';
const ADMIN = { username: 'pk-admin', password: 'admin-password-123' };
const STEP_MS = 30_000;
const CHALLENGE_MS = 5 * 60_000;

let t: TestApp;
let clock: TestClock;
let adminAuthorization: string;
let adminId: number;

beforeAll(async () => {
  t = await startTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  clock = controlClock(t);
  const adminJwt = await accessTokenFor(t, ADMIN);
  adminAuthorization = `Bearer ${adminJwt}`;
  adminId = Number(decodeJwt(adminJwt).payload.sub);
});

afterAll(async () => {
  clock.restore();
  await t.close();
});

const newUser = (prefix = 'pk') => registerUser(t, uniqueName(prefix), PASSWORD);
const asAdmin = (req: Test) => req.set('Authorization', adminAuthorization);

/** The code an authenticator app shows for `secret` at the app's time. */
const codeFor = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });

/** A fresh creation options answer for `user`, proved by the password. */
async function creationOptions(user: TestUser, authorization: string) {
  const res = await passkeyOptions(t, authorization, { password: user.password });
  expect(res.status).toBe(200);
  return res.body as CreationOptionsWithId;
}

interface AuditRow {
  type: string;
  outcome: string;
  api: string | null;
  actorId: number | null;
  detail: Record<string, unknown>;
}

async function auditOf(user: TestUser, type: string): Promise<AuditRow[]> {
  const rows = await sql(
    t,
    'SELECT * FROM "audit_event" WHERE "userId" = $1 AND "type" = $2 ORDER BY "id"',
    [user.id, type],
  );
  return rows.map((row) => ({
    type: row.type as string,
    outcome: row.outcome as string,
    api: row.api as string | null,
    actorId: row.actorId === null ? null : Number(row.actorId),
    detail: JSON.parse(row.detail as string) as Record<string, unknown>,
  }));
}

const storedPasskeys = (user: TestUser) =>
  t.db.getRepository(Passkey).find({ where: { userId: user.id }, order: { id: 'ASC' } });

describe('adding a passkey: the owner proves the password', () => {
  it('gives creation options for a discoverable, user-verified credential, and stores what the authenticator made', async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const options = await creationOptions(user, authorization);
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Gatehouse' },
      user: { name: user.username },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: [],
      challengeId: options.challenge,
    });
    // The user handle is opaque (neither the id nor the name), the same for each of the user's
    // passkeys, and another user's is another.
    const handle = Buffer.from(options.user.id, 'base64url');
    expect(handle).toHaveLength(32);
    expect([String(user.id), user.username]).not.toContain(handle.toString('utf8'));
    expect((await creationOptions(user, authorization)).user.id).toBe(options.user.id);
    const other = await newUser();
    expect((await creationOptions(other, await bearerOf(t, other))).user.id).not.toBe(
      options.user.id,
    );

    const authenticator = authenticatorFor(t);
    const added = await postPasskey(t, authorization, {
      challengeId: options.challengeId,
      name: '  Laptop  ',
      response: authenticator.create(options),
    });
    expect(added.status).toBe(201);
    expect(Object.keys(added.body).sort()).toEqual(['createdAt', 'id', 'name']);
    expect(added.body.name).toBe('Laptop');

    const listed = await t.http().get('/api/me/passkeys').set('Authorization', authorization);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        id: added.body.id,
        name: 'Laptop',
        createdAt: added.body.createdAt,
        lastUsedAt: null,
        transports: ['internal'],
      },
    ]);
    const profile = await t.http().get('/api/me').set('Authorization', authorization);
    expect(profile.body.passkeys).toEqual([
      { id: added.body.id, name: 'Laptop', createdAt: added.body.createdAt, lastUsedAt: null },
    ]);

    // Stored: the credential id, the public key (a COSE key), counter, transports, AAGUID, name.
    const [stored] = await storedPasskeys(user);
    expect(stored).toMatchObject({
      credentialId: authenticator.credentials[0].id,
      publicKey: authenticator.credentials[0].publicKeyCose.toString('base64url'),
      counter: 0,
      transports: ['internal'],
      aaguid: '5e1f7a2c-0b6d-4c3e-9a8f-1d2e3f4a5b6c',
      name: 'Laptop',
      lastUsedAt: null,
    });
    const [row] = await sql(t, 'SELECT * FROM "passkey" WHERE "userId" = $1', [user.id]);
    expect(Object.keys(row).sort()).toEqual(
      [
        'aaguid',
        'counter',
        'createdAt',
        'credentialId',
        'id',
        'lastUsedAt',
        'name',
        'publicKey',
        'transports',
        'userId',
      ].sort(),
    );

    // The next options leave out what the user has, so that no authenticator makes it again.
    const again = await creationOptions(user, authorization);
    expect(again.excludeCredentials).toEqual([
      { id: authenticator.credentials[0].id, type: 'public-key', transports: ['internal'] },
    ]);
    expect(() => authenticator.create(again)).toThrow(/InvalidStateError/);

    expect(await auditOf(user, 'credential.change')).toEqual([
      {
        type: 'credential.change',
        outcome: 'success',
        api: 'self-service',
        actorId: null,
        detail: { credential: 'passkey', action: 'add', passkeyId: added.body.id, name: 'Laptop' },
      },
    ]);
  });

  it('takes a body without challengeId: the challenge is the one the response names', async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const options = await creationOptions(user, authorization);
    const added = await postPasskey(t, authorization, {
      name: 'Phone',
      response: authenticatorFor(t).create(options),
    });
    expect(added.status).toBe(201);
  });

  it('refuses options without the right password (403, counted towards the lock, audited) or without one (400)', async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const wrong = await passkeyOptions(t, authorization, { password: WRONG });
    expect(wrong.status).toBe(403);
    expect((await passkeyOptions(t, authorization, {})).status).toBe(400);
    const row = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
    expect(row.failedLoginCount).toBe(1);
    expect(await auditOf(user, 'credential.change')).toEqual([
      expect.objectContaining({
        outcome: 'failure',
        detail: expect.objectContaining({
          credential: 'passkey',
          action: 'add',
          reason: 'wrong-password',
        }),
      }),
    ]);
    // A right password resets nothing: only a login does.
    expect((await passkeyOptions(t, authorization, { password: PASSWORD })).status).toBe(200);
    expect((await t.db.getRepository(User).findOneByOrFail({ id: user.id })).failedLoginCount).toBe(
      1,
    );
  });

  it('a stolen session alone cannot add one: no options without the password, and no challenge of its own to answer', async () => {
    const user = await newUser();
    const stolen = await sessionFor(t, user);
    const options = await withSession(t.http().post('/api/me/passkeys/options'), stolen).send({});
    expect(options.status).toBe(400);
    const guessed = await withSession(t.http().post('/api/me/passkeys'), stolen).send({
      challengeId: randomBytes(32).toString('base64url'),
      name: 'Thief',
      response: authenticatorFor(t).create({
        challenge: randomBytes(32).toString('base64url'),
        rp: { id: 'localhost', name: 'Gatehouse' },
        user: { id: 'AAAA', name: user.username, displayName: user.username },
        pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      }),
    });
    expect(guessed.status).toBe(400);
    expect(await storedPasskeys(user)).toEqual([]);
  });

  it('asks the code while TOTP is on: the password alone is a 401 with Gatehouse-OTP, the password and a code add it', async () => {
    const user = await newUser();
    const { secret } = await enrolTotp(t, user, codeFor);
    clock.advance(STEP_MS);
    const authorization = await bearerOf(t, user, codeFor(secret));
    clock.advance(STEP_MS);
    const alone = await passkeyOptions(t, authorization, { password: PASSWORD });
    expect(alone.status).toBe(401);
    expect(alone.headers['gatehouse-otp']).toBe('required');
    clock.advance(STEP_MS);
    const proved = await passkeyOptions(t, authorization, {
      password: PASSWORD,
      code: codeFor(secret),
    });
    expect(proved.status).toBe(200);
    const added = await postPasskey(t, authorization, {
      challengeId: proved.body.challengeId,
      name: 'Key',
      response: authenticatorFor(t).create(proved.body as CreationOptionsWithId),
    });
    expect(added.status).toBe(201);
  });

  it("refuses another user's registration challenge, which stays its owner's to use", async () => {
    const owner = await newUser();
    const other = await newUser();
    const ownerAuthorization = await bearerOf(t, owner);
    const options = await creationOptions(owner, ownerAuthorization);
    const authenticator = authenticatorFor(t);
    const taken = await postPasskey(t, await bearerOf(t, other), {
      challengeId: options.challengeId,
      name: 'Not mine',
      response: authenticator.create(options),
    });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toMatch(/challengeId/);
    expect(await storedPasskeys(other)).toEqual([]);
    const own = await postPasskey(t, ownerAuthorization, {
      challengeId: options.challengeId,
      name: 'Mine',
      response: authenticatorFor(t).create(options),
    });
    expect(own.status).toBe(201);
  });

  it('uses a registration challenge once, and for five minutes only', async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const options = await creationOptions(user, authorization);
    const first = authenticatorFor(t).create(options);
    const body = { challengeId: options.challengeId, name: 'Once', response: first };
    expect((await postPasskey(t, authorization, body)).status).toBe(201);
    const replayed = await postPasskey(t, authorization, {
      ...body,
      response: authenticatorFor(t).create(options),
    });
    expect(replayed.status).toBe(400);

    const late = await creationOptions(user, authorization);
    clock.advance(CHALLENGE_MS + 1_000);
    const expired = await postPasskey(t, await bearerOf(t, user), {
      challengeId: late.challengeId,
      name: 'Late',
      response: authenticatorFor(t).create(late),
    });
    expect(expired.status).toBe(400);
    expect(await storedPasskeys(user)).toHaveLength(1);
  });

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['another RP ID', { rpId: 'evil.example' }],
    ['no user verification', { userVerified: false }],
    ['a sign-in response type', { type: 'webauthn.get' }],
    ['another challenge', { challenge: randomBytes(32).toString('base64url') }],
  ])('refuses a credential made for %s (400), and spends the challenge', async (_, overrides) => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const options = await creationOptions(user, authorization);
    const forged = await postPasskey(t, authorization, {
      challengeId: options.challengeId,
      name: 'Forged',
      response: authenticatorFor(t).create(options, overrides),
    });
    expect(forged.status).toBe(400);
    const honest = await postPasskey(t, authorization, {
      challengeId: options.challengeId,
      name: 'Honest',
      response: authenticatorFor(t).create(options),
    });
    expect(honest.status).toBe(400);
    expect(await storedPasskeys(user)).toEqual([]);
  });

  it('refuses a malformed body or name with 400, never a 500', async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    const options = await creationOptions(user, authorization);
    const response = authenticatorFor(t).create(options);
    for (const body of [
      { name: 'No response' },
      { name: 'Text', response: 'a string' },
      { name: 'Empty', response: {} },
      { name: 'Bad parts', response: { id: 1, response: { clientDataJSON: 5 } } },
      { name: '   ', response },
      { name: 'x'.repeat(65), response },
      { name: 'tab\there', response },
      { challengeId: 7, name: 'Id', response },
    ]) {
      const res = await postPasskey(t, authorization, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });
});

describe('the owner lists, renames and removes passkeys; none asks the password', () => {
  it('renames (trimmed, 1 to 64 printable characters) and removes only their own, each audited', async () => {
    const user = await newUser();
    const other = await newUser();
    const laptop = await addPasskey(t, user, authenticatorFor(t), { name: 'Laptop' });
    const phoneAuthenticator = authenticatorFor(t);
    const phone = await addPasskey(t, user, phoneAuthenticator, { name: 'Phone' });
    const authorization = await bearerOf(t, user);
    const otherAuthorization = await bearerOf(t, other);

    const renamed = await t
      .http()
      .patch(`/api/me/passkeys/${laptop.id}`)
      .set('Authorization', authorization)
      .send({ name: ' Work laptop ' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: laptop.id, name: 'Work laptop' });
    for (const name of ['', '  ', 'x'.repeat(65), 'new\nline']) {
      const bad = await t
        .http()
        .patch(`/api/me/passkeys/${laptop.id}`)
        .set('Authorization', authorization)
        .send({ name });
      expect(bad.status, JSON.stringify(name)).toBe(400);
    }
    const notTheirs = await t
      .http()
      .patch(`/api/me/passkeys/${laptop.id}`)
      .set('Authorization', otherAuthorization)
      .send({ name: 'Mine now' });
    expect(notTheirs.status).toBe(404);
    expect(
      (
        await t
          .http()
          .delete(`/api/me/passkeys/${phone.id}`)
          .set('Authorization', otherAuthorization)
      ).status,
    ).toBe(404);

    const removed = await t
      .http()
      .delete(`/api/me/passkeys/${phone.id}`)
      .set('Authorization', authorization);
    expect(removed.status).toBe(204);
    const listed = await t.http().get('/api/me/passkeys').set('Authorization', authorization);
    expect(listed.body.map((passkey: { name: string }) => passkey.name)).toEqual(['Work laptop']);
    // A removed passkey signs no one in.
    expect((await passkeySignIn(t, phoneAuthenticator)).status).toBe(401);

    const changes = (await auditOf(user, 'credential.change')).map((row) => row.detail);
    expect(changes).toEqual([
      { credential: 'passkey', action: 'add', passkeyId: laptop.id, name: 'Laptop' },
      { credential: 'passkey', action: 'add', passkeyId: phone.id, name: 'Phone' },
      { credential: 'passkey', action: 'rename', passkeyId: laptop.id, name: 'Work laptop' },
      { credential: 'passkey', action: 'remove', passkeyId: phone.id, name: 'Phone' },
    ]);
  });
});

describe('admins remove passkeys and never add one', () => {
  it('removes every passkey of a user (audited with the admin), lists them in the user view, and refuses non-admins', async () => {
    const user = await newUser();
    const authenticator = authenticatorFor(t);
    const first = await addPasskey(t, user, authenticator, { name: 'One' });
    const second = await addPasskey(t, user, authenticatorFor(t), { name: 'Two' });

    const view = await asAdmin(t.http().get(`/api/admin/users/${user.id}`));
    expect(view.body.passkeys.map((passkey: { name: string }) => passkey.name)).toEqual([
      'One',
      'Two',
    ]);
    const page = await asAdmin(t.http().get(`/api/admin/users?q=${user.username}`));
    expect(page.body.items[0].passkeys).toHaveLength(2);

    const byUser = await t
      .http()
      .delete(`/api/admin/users/${user.id}/passkeys`)
      .set('Authorization', await bearerOf(t, user));
    expect(byUser.status).toBe(403);
    expect((await asAdmin(t.http().delete('/api/admin/users/999999/passkeys'))).status).toBe(404);

    const removed = await asAdmin(t.http().delete(`/api/admin/users/${user.id}/passkeys`));
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ removed: 2 });
    expect(await storedPasskeys(user)).toEqual([]);
    expect((await passkeySignIn(t, authenticator)).status).toBe(401);
    const again = await asAdmin(t.http().delete(`/api/admin/users/${user.id}/passkeys`));
    expect(again.body).toEqual({ removed: 0 });

    const removals = (await auditOf(user, 'credential.change')).filter(
      (row) => row.detail.action === 'remove',
    );
    expect(removals).toEqual([
      expect.objectContaining({
        api: 'admin',
        actorId: adminId,
        detail: { credential: 'passkey', action: 'remove', passkeyId: first.id, name: 'One' },
      }),
      expect.objectContaining({
        api: 'admin',
        actorId: adminId,
        detail: { credential: 'passkey', action: 'remove', passkeyId: second.id, name: 'Two' },
      }),
    ]);
  });

  it('"end all credentials" removes every passkey first, and says how many', async () => {
    const user = await newUser();
    const authenticator = authenticatorFor(t);
    await addPasskey(t, user, authenticator);
    const ended = await asAdmin(t.http().delete(`/api/admin/users/${user.id}/credentials`));
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ passkeysRemoved: 1, rsaKeyRemoved: false });
    expect((await passkeySignIn(t, authenticator)).status).toBe(401);
    const removals = (await auditOf(user, 'credential.change')).filter(
      (row) => row.detail.action === 'remove',
    );
    expect(removals).toEqual([
      expect.objectContaining({
        api: 'admin',
        detail: expect.objectContaining({ credential: 'passkey', reason: 'all-credentials' }),
      }),
    ]);
  });

  it("a second-factor reset removes the user's passkeys with the TOTP factor", async () => {
    const user = await newUser();
    const authenticator = authenticatorFor(t);
    await addPasskey(t, user, authenticator);
    const reset = await asAdmin(t.http().delete(`/api/admin/users/${user.id}/totp`));
    expect(reset.status).toBe(204);
    expect(await storedPasskeys(user)).toEqual([]);
    expect((await passkeySignIn(t, authenticator)).status).toBe(401);
    expect(
      (await auditOf(user, 'credential.change')).filter((row) => row.detail.action === 'remove'),
    ).toEqual([
      expect.objectContaining({
        api: 'admin',
        detail: expect.objectContaining({ credential: 'passkey', reason: 'second-factor-reset' }),
      }),
    ]);
  });

  it('a deleted user takes their passkeys along', async () => {
    const user = await newUser();
    await addPasskey(t, user, authenticatorFor(t));
    expect((await asAdmin(t.http().delete(`/api/admin/users/${user.id}`))).status).toBe(204);
    expect(await storedPasskeys(user)).toEqual([]);
  });
});

describe("the portal's proof: a passkey sign-in of the browser's own session within 5 minutes", () => {
  /** The portal's caller: the browser's session, as its account page makes it. */
  async function portalSession(user: TestUser, passkeySignIn: boolean) {
    const stored = await t.db.getRepository(User).findOneByOrFail({ id: user.id });
    const { session } = await t.app
      .get(SessionsService)
      .start(stored, { address: null, userAgent: null }, { passkeySignIn });
    const actor: RequestActor = {
      caller: { user: stored, credential: { kind: 'session', id: session.id } },
      address: null,
      agent: null,
    };
    return { session, actor };
  }

  it('stands for the password while recent, and only for that session', async () => {
    const user = await newUser();
    const account = t.app.get(AccountService);
    const signedIn = await portalSession(user, true);
    expect(signedIn.session.passkeyVerifiedAt).toEqual(signedIn.session.createdAt);
    const options = await account.passkeyOptionsAfterPasskeySignIn(
      signedIn.actor,
      signedIn.session,
    );
    expect(options.user.name).toBe(user.username);
    const added = await postPasskey(t, await bearerOf(t, user), {
      challengeId: options.challengeId,
      name: 'Added on the portal',
      response: authenticatorFor(t).create(options as CreationOptionsWithId),
    });
    expect(added.status).toBe(201);

    const byPassword = await portalSession(user, false);
    await expect(
      account.passkeyOptionsAfterPasskeySignIn(byPassword.actor, byPassword.session),
    ).rejects.toThrow(/within the last 5 minutes/);
    await expect(
      account.passkeyOptionsAfterPasskeySignIn(byPassword.actor, signedIn.session),
    ).rejects.toThrow(/within the last 5 minutes/);

    clock.advance(CHALLENGE_MS + 1_000);
    await expect(
      account.passkeyOptionsAfterPasskeySignIn(signedIn.actor, signedIn.session),
    ).rejects.toThrow(/within the last 5 minutes/);
  });
});
