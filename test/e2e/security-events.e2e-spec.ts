import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { generateSync } from 'otplib';
import { MoreThan } from 'typeorm';
import { PurgeService } from '../../src/maintenance/purge.service.js';
import { SecurityEvent } from '../../src/security-events/entities/security-event.entity.js';
import { SsfDelivery } from '../../src/security-events/entities/ssf-delivery.entity.js';
import { SsfStream } from '../../src/security-events/entities/ssf-stream.entity.js';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../src/security-events/event-types.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { UserToken } from '../../src/user-store/entities/user-token.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Browser } from '../support/browser.js';
import { controlClock, type TestClock } from '../support/clock.js';
import {
  accessTokenFor,
  enrolTotp,
  sessionFor,
  userTokenFor,
  withSession,
} from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { decodeJwt, registerUser, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  addPasskey,
  authenticatorFor,
  bearerOf,
  type CreationOptionsWithId,
  passkeyOptions,
  postPasskey,
} from '../support/passkeys.js';
import { type CliRun, runCliOn } from '../support/server-process.js';
import { issSub, sessionOf } from '../support/ssf.js';

/**
 * Every change that ends a user's sessions or tokens, changes a credential or the account records
 * its security events in its own transaction, whichever door made it (the APIs, self-service, the
 * admin API, the portal, the command line, an import): read here from the security_event table,
 * before any transmitter sends them. Each event names its subject as SSF 1.0 does, carries the
 * members CAEP and RISC give its cause, and shares its `txn` with the other events of its change
 * only; a stream that asked for the type is owed it, a disabled one is not. A change that fails
 * records nothing, and nor does a session that runs out.
 */

const PASSWORD = 'events-pass-1234';
const NEW_PASSWORD = 'events-pass-5678';
const ADMIN = { username: 'events-admin', password: 'events-admin-pass-1' };
const STEP_MS = 30_000;

let database: TestDatabase;
let t: TestApp;
let clock: TestClock;
let admin: string;
let enabledStream: string;
let disabledStream: string;
/** Every txn seen so far: no two changes share one. */
const txns = new Set<string>();

type Detail = SecurityEvent['detail'];

async function lastEventId(): Promise<number> {
  const [last] = await t.db.getRepository(SecurityEvent).find({ order: { id: 'DESC' }, take: 1 });
  return last?.id ?? 0;
}

/** The events recorded while `act` ran, oldest first. */
async function eventsOf(act: () => Promise<unknown>): Promise<SecurityEvent[]> {
  const mark = await lastEventId();
  await act();
  return t.db.getRepository(SecurityEvent).find({
    where: { id: MoreThan(mark) },
    order: { id: 'ASC' },
  });
}

/**
 * The events of one change: one txn, shared by them all and by no other change, each owed to the
 * enabled stream and not to the disabled one.
 */
async function oneChange(events: SecurityEvent[]): Promise<Detail[]> {
  expect(events.length).toBeGreaterThan(0);
  const [txn] = new Set(events.map((event) => event.detail.txn));
  expect(events.every((event) => event.detail.txn === txn)).toBe(true);
  expect(txn).toMatch(/^[0-9a-f-]{36}$/);
  expect(txns.has(txn)).toBe(false);
  txns.add(txn);
  const deliveries = await t.db.getRepository(SsfDelivery).find();
  for (const event of events) {
    const owed = deliveries.filter((delivery) => delivery.eventId === event.id);
    expect(owed.map((delivery) => delivery.streamId)).toEqual([enabledStream]);
  }
  return events.map((event) => event.detail);
}

/**
 * The event's members, its timestamp checked against the clock of the process that recorded it
 * (the app's, unless `nowMs` is another's) and left out.
 */
function membersOf(detail: Detail, nowMs = clock.nowMs()): Record<string, unknown> {
  const { event_timestamp, ...members } = detail.event;
  expect(Math.abs((event_timestamp as number) - nowMs / 1000)).toBeLessThanOrEqual(5);
  return members;
}

async function credentialVersion(userId: number): Promise<number> {
  return (await t.db.getRepository(User).findOneByOrFail({ id: userId })).credentialVersion;
}

const newUser = (prefix = 'events') => registerUser(t, uniqueName(prefix), PASSWORD);

const asAdmin = <R extends { set(name: string, value: string): R }>(req: R) =>
  req.set('Authorization', `Bearer ${admin}`);

async function bearer(user: { username: string; password: string }): Promise<string> {
  return `Bearer ${await accessTokenFor(t, user)}`;
}

function rsaPublicKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

async function newestUserTokenId(userId: number): Promise<number> {
  const [row] = await t.db
    .getRepository(UserToken)
    .find({ where: { userId }, order: { id: 'DESC' }, take: 1 });
  return row.id;
}

/** The code an authenticator app shows for `secret` in the app's next step, unused so far. */
function nextCode(secret: string): string {
  clock.advance(STEP_MS);
  return generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });
}

async function serviceClient(name: string): Promise<string> {
  const res = await asAdmin(t.http().post('/api/admin/clients')).send({ name });
  expect(res.status).toBe(201);
  return res.body.clientId as string;
}

async function stream(status: 'enabled' | 'disabled'): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await t.db.getRepository(SsfStream).insert({
    id,
    clientId: await serviceClient(uniqueName(`receiver-${status}`)),
    status,
    statusReason: null,
    deliveryMethod: 'urn:ietf:rfc:8936',
    endpointUrl: null,
    sealedAuthorization: null,
    eventsRequested: [...SUBSCRIBABLE_EVENT_TYPES],
    eventsDelivered: [...SUBSCRIBABLE_EVENT_TYPES],
    description: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp(
    {
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    },
    database,
  );
  clock = controlClock(t);
  admin = await accessTokenFor(t, ADMIN);
  enabledStream = await stream('enabled');
  disabledStream = await stream('disabled');
}, 120_000);

afterAll(async () => {
  clock?.restore();
  await t?.close();
  await database?.drop();
});

describe('Security events: sessions and tokens ended before their time', () => {
  it('a session API logout: session-revoked of that session, by the user', async () => {
    const user = await newUser();
    const session = await sessionFor(t, user);
    const [revoked] = await oneChange(
      await eventsOf(() =>
        withSession(t.http().post(`/auth/logout/${session.sid}`), session).expect(201),
      ),
    );
    expect(revoked.sub_id).toEqual(sessionOf(t, user.id, session.sid));
    expect(membersOf(revoked)).toEqual({ initiating_entity: 'user' });
  });

  it('a logout of all sessions: one session-revoked of the user, at their credential version', async () => {
    const user = await newUser();
    await sessionFor(t, user);
    const session = await sessionFor(t, user);
    const events = await eventsOf(() =>
      withSession(t.http().post(`/auth/logout/${session.sid}?allSessions=true`), session).expect(
        201,
      ),
    );
    expect(events.map((event) => event.type)).toEqual([EVENT_TYPES.sessionRevoked]);
    const [revoked] = await oneChange(events);
    expect(revoked.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(revoked)).toEqual({
      initiating_entity: 'user',
      gatehouse_cv: await credentialVersion(user.id),
    });
  });

  it("the portal's sign-out: session-revoked of the browser's session", async () => {
    const user = await newUser();
    const browser = new Browser(t);
    await browser.get('/signin');
    const signIn = await browser.post('/signin', {
      _csrf: browser.token,
      username: user.username,
      password: user.password,
    });
    expect(signIn.status).toBe(303);
    const sid = browser.session()!.slice(0, -64);
    await browser.get('/signout');
    const events = await eventsOf(async () => {
      expect((await browser.post('/signout', { _csrf: browser.token })).status).toBe(303);
    });
    const [revoked] = await oneChange(events);
    expect(events[0].type).toBe(EVENT_TYPES.sessionRevoked);
    expect(revoked.sub_id).toEqual(sessionOf(t, user.id, sid));
  });

  it("the portal's sign-out everywhere else: session-revoked of each other session, in one txn", async () => {
    const user = await newUser();
    const browser = new Browser(t);
    await browser.get('/signin');
    await browser.post('/signin', {
      _csrf: browser.token,
      username: user.username,
      password: user.password,
    });
    const others = [await sessionFor(t, user), await sessionFor(t, user)];
    await browser.get('/account');
    const events = await eventsOf(async () => {
      const res = await browser.post('/account/sessions/end-others', { _csrf: browser.token });
      expect(res.status).toBe(303);
    });
    expect(events.map((event) => event.type)).toEqual(Array(2).fill(EVENT_TYPES.sessionRevoked));
    const details = await oneChange(events);
    expect(details.map((detail) => detail.sub_id)).toEqual(
      others.map((other) => sessionOf(t, user.id, other.sid)),
    );
    expect(details.map((detail) => membersOf(detail))).toEqual(
      Array(2).fill({ initiating_entity: 'user' }),
    );
  });

  it('one session ended by its owner, another by an admin: session-revoked of each, by whom', async () => {
    const user = await newUser();
    const mine = await sessionFor(t, user);
    const owner = await bearer(user);
    const ownerEnds = await eventsOf(() =>
      t.http().delete(`/api/me/sessions/${mine.sid}`).set('Authorization', owner).expect(204),
    );
    const [ended] = await oneChange(ownerEnds);
    expect(ownerEnds[0].type).toBe(EVENT_TYPES.sessionRevoked);
    expect(ended.sub_id).toEqual(sessionOf(t, user.id, mine.sid));
    expect(membersOf(ended)).toEqual({ initiating_entity: 'user' });

    const theirs = await sessionFor(t, user);
    const [byAdmin] = await oneChange(
      await eventsOf(() =>
        asAdmin(t.http().delete(`/api/admin/sessions/${theirs.sid}`)).expect(204),
      ),
    );
    expect(byAdmin.sub_id).toEqual(sessionOf(t, user.id, theirs.sid));
    expect(membersOf(byAdmin)).toEqual({ initiating_entity: 'admin' });
  });

  it('an access JWT revoked, by itself (RFC 7009) or by an admin: session-revoked of its jti', async () => {
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const events = await eventsOf(() =>
      t
        .http()
        .post('/oauth2/revoke')
        .set('Authorization', `Bearer ${jwt}`)
        .type('form')
        .send({ token: jwt })
        .expect(200),
    );
    const [bySelf] = await oneChange(events);
    expect(events[0].type).toBe(EVENT_TYPES.sessionRevoked);
    expect(events[0].userId).toBe(user.id);
    expect(bySelf.sub_id).toEqual({
      format: 'jwt_id',
      iss: t.config.jwt.issuer,
      jti: decodeJwt(jwt).payload.jti,
    });
    expect(membersOf(bySelf)).toEqual({ initiating_entity: 'user' });

    const other = await accessTokenFor(t, user);
    const byAdmin = await eventsOf(() =>
      asAdmin(t.http().post('/api/admin/revoked-tokens')).send({ token: other }).expect(201),
    );
    const [revoked] = await oneChange(byAdmin);
    expect(byAdmin[0].userId).toBe(user.id);
    expect(revoked.sub_id).toEqual({
      format: 'jwt_id',
      iss: t.config.jwt.issuer,
      jti: decodeJwt(other).payload.jti,
    });
    expect(membersOf(revoked)).toEqual({ initiating_entity: 'admin' });
  });

  it('a user token logged out, revoked by itself, by its owner or by an admin: session-revoked of user-token:<id>', async () => {
    const user = await newUser();
    const expectRevoked = async (events: SecurityEvent[], id: number, by?: string) => {
      const [revoked] = await oneChange(events);
      expect(events.map((event) => event.type)).toEqual([EVENT_TYPES.sessionRevoked]);
      expect(revoked.sub_id).toEqual(sessionOf(t, user.id, `user-token:${id}`));
      expect(membersOf(revoked)).toEqual(by ? { initiating_entity: by } : {});
    };

    const loggedOut = await userTokenFor(t, user);
    const loggedOutId = await newestUserTokenId(user.id);
    await expectRevoked(
      await eventsOf(() =>
        t.http().post('/auth/logout').set('Authorization', `Bearer ${loggedOut}`).expect(200),
      ),
      loggedOutId,
      'user',
    );

    const selfRevoked = await userTokenFor(t, user);
    const selfRevokedId = await newestUserTokenId(user.id);
    await expectRevoked(
      await eventsOf(() =>
        t
          .http()
          .post('/oauth2/revoke')
          .set('Authorization', `Bearer ${selfRevoked}`)
          .type('form')
          .send({ token: selfRevoked })
          .expect(200),
      ),
      selfRevokedId,
      'user',
    );

    await userTokenFor(t, user);
    const ownedId = await newestUserTokenId(user.id);
    const owner = await bearer(user);
    await expectRevoked(
      await eventsOf(() =>
        t.http().delete(`/api/me/user-tokens/${ownedId}`).set('Authorization', owner).expect(204),
      ),
      ownedId,
      'user',
    );

    await userTokenFor(t, user);
    const adminsId = await newestUserTokenId(user.id);
    await expectRevoked(
      await eventsOf(() =>
        asAdmin(t.http().delete(`/api/admin/user-tokens/${adminsId}`)).expect(204),
      ),
      adminsId,
      'admin',
    );
  });
});

describe('Security events: credentials', () => {
  it('a password change: credential-change and session-revoked of the user in one txn, at the new version; a wrong old password records nothing', async () => {
    const user = await newUser();
    const before = await credentialVersion(user.id);
    const authorization = await bearer(user);
    const refused = await eventsOf(() =>
      t
        .http()
        .post('/api/me/password')
        .set('Authorization', authorization)
        .send({ oldPassword: 'not-the-password-1', newPassword: NEW_PASSWORD })
        .expect(403),
    );
    expect(refused).toEqual([]);

    const events = await eventsOf(() =>
      t
        .http()
        .post('/api/me/password')
        .set('Authorization', authorization)
        .send({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204),
    );
    const cv = await credentialVersion(user.id);
    expect(cv).toBeGreaterThan(before);
    expect(events.map((event) => event.type)).toEqual([
      EVENT_TYPES.credentialChange,
      EVENT_TYPES.sessionRevoked,
    ]);
    const [changed, revoked] = await oneChange(events);
    expect(changed.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(changed)).toEqual({
      initiating_entity: 'user',
      credential_type: 'password',
      change_type: 'update',
      gatehouse_cv: cv,
    });
    expect(revoked.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(revoked)).toEqual({ initiating_entity: 'user', gatehouse_cv: cv });
  });

  it("an admin's password reset: the same, by an admin", async () => {
    const user = await newUser();
    const events = await eventsOf(() =>
      asAdmin(t.http().post(`/api/admin/users/${user.id}/password`))
        .send({ password: NEW_PASSWORD })
        .expect((res) => expect(res.status).toBeLessThan(300)),
    );
    const cv = await credentialVersion(user.id);
    const [changed, revoked] = await oneChange(events);
    expect(membersOf(changed)).toEqual({
      initiating_entity: 'admin',
      credential_type: 'password',
      change_type: 'update',
      gatehouse_cv: cv,
    });
    expect(membersOf(revoked)).toEqual({ initiating_entity: 'admin', gatehouse_cv: cv });
  });

  it('TOTP turned on and off by its owner, and reset by an admin: credential-change app create, then delete', async () => {
    const user = await newUser();
    let secret = '';
    const on = await eventsOf(async () => {
      ({ secret } = await enrolTotp(t, user, nextCode));
    });
    expect(on.map((event) => event.type)).toEqual([EVENT_TYPES.credentialChange]);
    const [created] = await oneChange(on);
    expect(created.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(created)).toEqual({
      initiating_entity: 'user',
      credential_type: 'app',
      change_type: 'create',
    });

    const login = await t
      .http()
      .post('/v1/auth')
      .send({ username: user.username, password: PASSWORD, otp: nextCode(secret) })
      .expect(200);
    const off = await eventsOf(() =>
      t
        .http()
        .delete('/api/me/totp')
        .set('Authorization', `Bearer ${login.body.access_token as string}`)
        .send({ code: nextCode(secret) })
        .expect(204),
    );
    const [deleted] = await oneChange(off);
    expect(membersOf(deleted)).toEqual({
      initiating_entity: 'user',
      credential_type: 'app',
      change_type: 'delete',
    });

    await enrolTotp(t, user, nextCode);
    const reset = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}/totp`)).expect((res) =>
        expect(res.status).toBeLessThan(300),
      ),
    );
    const [byAdmin] = await oneChange(reset);
    expect(membersOf(byAdmin)).toEqual({
      initiating_entity: 'admin',
      credential_type: 'app',
      change_type: 'delete',
    });
  });

  it('the RSA login key set, replaced and removed by its owner, removed by an admin: credential-change x509', async () => {
    const user = await newUser();
    const authorization = await bearer(user);
    const setKey = () =>
      eventsOf(() =>
        t
          .http()
          .put('/api/me/public-key')
          .set('Authorization', authorization)
          .send({ publicKey: rsaPublicKey(), password: PASSWORD })
          .expect(200),
      );
    const changeOf = async (events: SecurityEvent[]) => {
      expect(events.map((event) => event.type)).toEqual([EVENT_TYPES.credentialChange]);
      const [changed] = await oneChange(events);
      expect(changed.sub_id).toEqual(issSub(t, user.id));
      return membersOf(changed);
    };
    expect(await changeOf(await setKey())).toEqual({
      initiating_entity: 'user',
      credential_type: 'x509',
      change_type: 'create',
    });
    expect(await changeOf(await setKey())).toMatchObject({ change_type: 'update' });
    const removed = await eventsOf(() =>
      t
        .http()
        .delete('/api/me/public-key')
        .set('Authorization', authorization)
        .send({ password: PASSWORD })
        .expect(204),
    );
    expect(await changeOf(removed)).toEqual({
      initiating_entity: 'user',
      credential_type: 'x509',
      change_type: 'delete',
    });

    await setKey();
    const byAdmin = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}/public-key`)).expect(204),
    );
    expect(await changeOf(byAdmin)).toEqual({
      initiating_entity: 'admin',
      credential_type: 'x509',
      change_type: 'delete',
    });
    // None set: an admin's removal changes nothing, and tells nothing.
    expect(
      await eventsOf(() =>
        asAdmin(t.http().delete(`/api/admin/users/${user.id}/public-key`)).expect(204),
      ),
    ).toEqual([]);
  });

  it('passkeys added (with their names) and removed: credential-change fido2-platform; one stored twice fails on the unique index and records nothing', async () => {
    const user = await newUser();
    const authenticator = authenticatorFor(t);
    const authorization = await bearerOf(t, user);
    const first = (await passkeyOptions(t, authorization, { password: PASSWORD }))
      .body as CreationOptionsWithId;
    const second = (await passkeyOptions(t, authorization, { password: PASSWORD }))
      .body as CreationOptionsWithId;
    const response = authenticator.create(first);
    let id = 0;
    const added = await eventsOf(async () => {
      const res = await postPasskey(t, authorization, {
        challengeId: first.challengeId,
        name: 'Work laptop',
        response,
      });
      expect(res.status).toBe(201);
      id = res.body.id as number;
    });
    const [created] = await oneChange(added);
    expect(added[0].type).toBe(EVENT_TYPES.credentialChange);
    expect(created.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(created)).toEqual({
      initiating_entity: 'user',
      credential_type: 'fido2-platform',
      change_type: 'create',
      friendly_name: 'Work laptop',
    });

    // The same credential again, for the second challenge: it verifies (an attestation of format
    // `none` signs no client data), and the store's unique index refuses it.
    const clientData = JSON.parse(
      Buffer.from(response.response.clientDataJSON, 'base64url').toString(),
    ) as Record<string, unknown>;
    const again = {
      ...response,
      response: {
        ...response.response,
        clientDataJSON: Buffer.from(
          JSON.stringify({ ...clientData, challenge: second.challenge }),
        ).toString('base64url'),
      },
    };
    const refused = await eventsOf(async () => {
      const res = await postPasskey(t, authorization, {
        challengeId: second.challengeId,
        name: 'Twice',
        response: again,
      });
      expect(res.status).toBe(409);
    });
    expect(refused).toEqual([]);

    const removed = await eventsOf(() =>
      t.http().delete(`/api/me/passkeys/${id}`).set('Authorization', authorization).expect(204),
    );
    const [deleted] = await oneChange(removed);
    expect(membersOf(deleted)).toEqual({
      initiating_entity: 'user',
      credential_type: 'fido2-platform',
      change_type: 'delete',
      friendly_name: 'Work laptop',
    });

    await addPasskey(t, user, authenticatorFor(t), { name: 'Phone', authorization });
    await addPasskey(t, user, authenticatorFor(t), { name: 'Key', authorization });
    const byAdmin = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}/passkeys`)).expect((res) =>
        expect(res.status).toBeLessThan(300),
      ),
    );
    const details = await oneChange(byAdmin);
    expect(details.map((detail) => membersOf(detail))).toEqual(
      ['Phone', 'Key'].map((name) => ({
        initiating_entity: 'admin',
        credential_type: 'fido2-platform',
        change_type: 'delete',
        friendly_name: name,
      })),
    );
  });

  it("an admin's second-factor reset: TOTP and every passkey in one change", async () => {
    const user = await newUser();
    await addPasskey(t, user, authenticatorFor(t), { name: 'Laptop' });
    await enrolTotp(t, user, nextCode);
    const reset = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}/totp`)).expect((res) =>
        expect(res.status).toBeLessThan(300),
      ),
    );
    const details = await oneChange(reset);
    expect(details.map((detail) => membersOf(detail))).toEqual([
      { initiating_entity: 'admin', credential_type: 'app', change_type: 'delete' },
      {
        initiating_entity: 'admin',
        credential_type: 'fido2-platform',
        change_type: 'delete',
        friendly_name: 'Laptop',
      },
    ]);
  });
});

describe('Security events: the account', () => {
  const patch = (user: TestUser, body: object) =>
    eventsOf(() =>
      asAdmin(t.http().patch(`/api/admin/users/${user.id}`))
        .send(body)
        .expect(200),
    );

  it('privilege and scope changed by an admin: token-claims-change with the new claims, at the new version; a profile change records nothing', async () => {
    const user = await newUser();
    const promoted = await patch(user, { privilege: 'admin' });
    expect(promoted.map((event) => event.type)).toEqual([EVENT_TYPES.tokenClaimsChange]);
    const [claims] = await oneChange(promoted);
    expect(claims.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(claims)).toEqual({
      initiating_entity: 'admin',
      claims: { sub_type: 'admin', scope: t.config.defaultScopes.admin },
      gatehouse_cv: await credentialVersion(user.id),
    });

    const scoped = await patch(user, { scope: 'orders:read orders:write' });
    const [scope] = await oneChange(scoped);
    expect(membersOf(scope)).toEqual({
      initiating_entity: 'admin',
      claims: { sub_type: 'admin', scope: 'orders:read orders:write' },
      gatehouse_cv: await credentialVersion(user.id),
    });

    expect(await patch(user, { firstName: 'Ada', privilege: 'admin' })).toEqual([]);
  });

  it('a disable: account-disabled and session-revoked in one txn, at the new version; an enable: account-enabled, once', async () => {
    const user = await newUser();
    await sessionFor(t, user);
    const disabled = await patch(user, { enabled: false });
    const cv = await credentialVersion(user.id);
    expect(disabled.map((event) => event.type)).toEqual([
      EVENT_TYPES.accountDisabled,
      EVENT_TYPES.sessionRevoked,
    ]);
    const [account, sessions] = await oneChange(disabled);
    expect(account.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(account)).toEqual({ initiating_entity: 'admin', gatehouse_cv: cv });
    expect(sessions.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(sessions)).toEqual({ initiating_entity: 'admin', gatehouse_cv: cv });

    const enabled = await patch(user, { enabled: true });
    expect(enabled.map((event) => event.type)).toEqual([EVENT_TYPES.accountEnabled]);
    const [back] = await oneChange(enabled);
    expect(back.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(back)).toEqual({ initiating_entity: 'admin' });
    expect(await patch(user, { enabled: true })).toEqual([]);
  });

  it("an admin's end of all credentials: each passkey, the RSA key and every session in one change, at the new version", async () => {
    const user = await newUser();
    const authorization = await bearerOf(t, user);
    await addPasskey(t, user, authenticatorFor(t), { name: 'Laptop', authorization });
    await t
      .http()
      .put('/api/me/public-key')
      .set('Authorization', authorization)
      .send({ publicKey: rsaPublicKey(), password: PASSWORD })
      .expect(200);
    await sessionFor(t, user);
    const ended = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}/credentials`)).expect(200),
    );
    const cv = await credentialVersion(user.id);
    expect(ended.map((event) => event.type)).toEqual([
      EVENT_TYPES.credentialChange,
      EVENT_TYPES.credentialChange,
      EVENT_TYPES.sessionRevoked,
    ]);
    const details = await oneChange(ended);
    expect(details.map((detail) => detail.sub_id)).toEqual(Array(3).fill(issSub(t, user.id)));
    expect(details.map((detail) => membersOf(detail))).toEqual([
      {
        initiating_entity: 'admin',
        credential_type: 'fido2-platform',
        change_type: 'delete',
        friendly_name: 'Laptop',
      },
      {
        initiating_entity: 'admin',
        credential_type: 'x509',
        change_type: 'delete',
        gatehouse_cv: cv,
      },
      { initiating_entity: 'admin', gatehouse_cv: cv },
    ]);
  });

  it('a user deleted: account-purged of their subject', async () => {
    const user = await newUser();
    await sessionFor(t, user);
    const purged = await eventsOf(() =>
      asAdmin(t.http().delete(`/api/admin/users/${user.id}`)).expect(204),
    );
    expect(purged.map((event) => [event.type, event.userId])).toEqual([
      [EVENT_TYPES.accountPurged, user.id],
    ]);
    const [gone] = await oneChange(purged);
    expect(gone.sub_id).toEqual(issSub(t, user.id));
    expect(membersOf(gone)).toEqual({ initiating_entity: 'admin' });
  });

  it('every event is owed to each stream that is not disabled and asked for its type, none to a disabled one', async () => {
    const events = await t.db.getRepository(SecurityEvent).find();
    const deliveries = await t.db.getRepository(SsfDelivery).find();
    expect(events.length).toBeGreaterThan(20);
    const owedTo = (stream: string) =>
      events.filter((event) =>
        deliveries.some(
          (delivery) => delivery.eventId === event.id && delivery.streamId === stream,
        ),
      );
    expect(owedTo(enabledStream)).toEqual(events);
    expect(deliveries.filter((delivery) => delivery.streamId === disabledStream)).toEqual([]);
  });
});

/** Runs the built CLI with `args` against the app's database, `input` on its standard input. */
function runCli(args: string[], input = ''): Promise<CliRun> {
  return runCliOn(database.url, args, { input, timeoutMs: 60000 });
}

/** Runs the CLI, which must succeed. */
async function cli(args: string[], input?: string): Promise<void> {
  const run = await runCli(args, input);
  expect(run).toMatchObject({ code: 0, stderr: '' });
}

describe('Security events: the command line and imports', { timeout: 120_000 }, () => {
  /** The members of events the CLI recorded, by its own clock, each by an admin. */
  const byCli = (details: Detail[]) =>
    details.map((detail) => {
      const { initiating_entity, ...members } = membersOf(detail, Date.now());
      expect(initiating_entity).toBe('admin');
      return members;
    });

  it('users:set-password, set-scope, disable, enable and reset-second-factor record as the admin API does', async () => {
    const user = await newUser('cli');
    const password = await eventsOf(() =>
      cli(['users:set-password', user.username], `${NEW_PASSWORD}\n`),
    );
    let cv = await credentialVersion(user.id);
    expect(password.map((event) => event.type)).toEqual([
      EVENT_TYPES.credentialChange,
      EVENT_TYPES.sessionRevoked,
    ]);
    expect(byCli(await oneChange(password))).toEqual([
      { credential_type: 'password', change_type: 'update', gatehouse_cv: cv },
      { gatehouse_cv: cv },
    ]);

    const scoped = await eventsOf(() => cli(['users:set-scope', user.username, 'orders:read']));
    cv = await credentialVersion(user.id);
    expect(scoped.map((event) => event.type)).toEqual([EVENT_TYPES.tokenClaimsChange]);
    expect(byCli(await oneChange(scoped))).toEqual([
      { claims: { sub_type: 'user', scope: 'orders:read' }, gatehouse_cv: cv },
    ]);

    const disabled = await eventsOf(() => cli(['users:disable', user.username]));
    cv = await credentialVersion(user.id);
    expect(disabled.map((event) => event.type)).toEqual([
      EVENT_TYPES.accountDisabled,
      EVENT_TYPES.sessionRevoked,
    ]);
    expect(byCli(await oneChange(disabled))).toEqual([{ gatehouse_cv: cv }, { gatehouse_cv: cv }]);

    const enabled = await eventsOf(() => cli(['users:enable', user.username]));
    expect(enabled.map((event) => event.type)).toEqual([EVENT_TYPES.accountEnabled]);
    expect(byCli(await oneChange(enabled))).toEqual([{}]);

    await enrolTotp(t, { username: user.username, password: NEW_PASSWORD }, nextCode);
    const reset = await eventsOf(() => cli(['users:reset-second-factor', user.username]));
    expect(byCli(await oneChange(reset))).toEqual([
      { credential_type: 'app', change_type: 'delete' },
    ]);
  });

  it('an import over HTTP and users:import: a new hash is a password change, with what else its line changes, in one txn; a new user records nothing', async () => {
    const username = uniqueName('imported');
    const line = (fields: object) => `${JSON.stringify({ username, ...fields })}\n`;
    const importOverHttp = (body: string, query = '') =>
      asAdmin(t.http().post(`/api/admin/users/import${query}`))
        .set('Content-Type', 'application/x-ndjson')
        .send(body)
        .expect(200);

    const first = line({ passwordHash: await bcrypt.hash(PASSWORD, 4) });
    expect(await eventsOf(() => importOverHttp(first))).toEqual([]);
    const { id } = await t.db.getRepository(User).findOneByOrFail({ username });
    await sessionFor(t, { username, password: PASSWORD });

    const changes = line({
      passwordHash: await bcrypt.hash(NEW_PASSWORD, 4),
      privilege: 'admin',
      enabled: false,
    });
    const updated = await eventsOf(() => importOverHttp(changes, '?update=true'));
    const cv = await credentialVersion(id);
    expect(updated.map((event) => event.type)).toEqual([
      EVENT_TYPES.credentialChange,
      EVENT_TYPES.tokenClaimsChange,
      EVENT_TYPES.accountDisabled,
      EVENT_TYPES.sessionRevoked,
    ]);
    const details = await oneChange(updated);
    expect(details.map((detail) => detail.sub_id)).toEqual(Array(4).fill(issSub(t, id)));
    expect(details.map((detail) => membersOf(detail))).toEqual([
      {
        initiating_entity: 'admin',
        credential_type: 'password',
        change_type: 'update',
        gatehouse_cv: cv,
      },
      {
        initiating_entity: 'admin',
        claims: { sub_type: 'admin', scope: t.config.defaultScopes.admin },
        gatehouse_cv: cv,
      },
      { initiating_entity: 'admin', gatehouse_cv: cv },
      { initiating_entity: 'admin', gatehouse_cv: cv },
    ]);

    const back = line({
      passwordHash: await bcrypt.hash(PASSWORD, 4),
      privilege: 'admin',
      enabled: false,
    });
    const byCommand = await eventsOf(() =>
      cli(['users:import', '--update', '--update-admins'], back),
    );
    const now = await credentialVersion(id);
    expect(byCli(await oneChange(byCommand))).toEqual([
      { credential_type: 'password', change_type: 'update', gatehouse_cv: now },
      { gatehouse_cv: now },
    ]);
  });
});

describe('Security events: what runs out records nothing; the purge keeps what is owed', () => {
  const purgeAll = () => t.app.get(PurgeService).purgeAll();

  it('a session past its timeout, purged, records nothing', async () => {
    const user = await newUser('expiring');
    await sessionFor(t, user);
    clock.advance(t.config.sessions.absoluteTimeoutMs + 60_000);
    const events = await eventsOf(async () => {
      expect((await purgeAll()).sessions).toBeGreaterThanOrEqual(1);
    });
    expect(events).toEqual([]);
  });

  it('drops the events no stream is owed, and those past SSF_EVENT_TTL_HOURS with their deliveries', async () => {
    const events = t.db.getRepository(SecurityEvent);
    const owed = await events.count();
    await events.save(
      events.create({
        type: EVENT_TYPES.accountEnabled,
        userId: null,
        detail: { sub_id: {}, txn: randomUUID(), event: {} },
        occurredAt: new Date(clock.nowMs()),
      }),
    );
    expect((await purgeAll()).securityEvents).toBe(1);
    expect(await events.count()).toBe(owed);

    clock.advance(t.config.ssfEventTtlHours * 3_600_000 + 60_000);
    const user = await newUser('fresh');
    const session = await sessionFor(t, user);
    const [fresh] = await eventsOf(() =>
      withSession(t.http().post(`/auth/logout/${session.sid}`), session).expect(201),
    );
    expect((await purgeAll()).securityEvents).toBe(owed);
    expect((await events.find()).map((event) => event.id)).toEqual([fresh.id]);
    const deliveries = await t.db.getRepository(SsfDelivery).find();
    expect(deliveries.map((delivery) => [delivery.streamId, delivery.eventId])).toEqual([
      [enabledStream, fresh.id],
    ]);
  });
});
