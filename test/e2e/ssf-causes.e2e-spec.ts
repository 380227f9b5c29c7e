import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { generateSync } from 'otplib';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../src/security-events/event-types.js';
import { MIN_VERIFICATION_INTERVAL_SECONDS } from '../../src/ssf/streams.service.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { UserToken } from '../../src/user-store/entities/user-token.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import {
  accessTokenFor,
  enrolTotp,
  type LiveSessionCredential,
  sessionFor,
  userTokenFor,
  withSession,
} from '../support/credentials.js';
import { decodeJwt, registerUser, type TestUser, uniqueName } from '../support/fixtures.js';
import { addPasskey, authenticatorFor } from '../support/passkeys.js';
import { PushReceiver } from '../support/push-receiver.js';
import {
  createStream,
  issSub,
  newReceiver,
  POLL,
  PUSH,
  type Receiver,
  sessionOf,
  verifySet,
} from '../support/ssf.js';

/**
 * Each change of a user that receivers are told of, made through the door a client would
 * use, arrives at a receiver as the SETs of its cause, by poll and by push alike: each SET checked
 * on its own against the published keys, of the expected type, subject and members, the events of
 * one change under one `txn` of their own, and nothing else in between. A verification event the
 * receiver asks for after each change marks where the change's SETs end: streams deliver in
 * event order, so every SET recorded before the marker has arrived once it has.
 */

const ADMIN = { username: 'causes-admin', password: 'causes-admin-pass-1' };
const PASSWORD = 'causes-pass-1234';
const NEW_PASSWORD = 'causes-pass-5678';
const PUSH_AUTHORIZATION = 'Bearer causes-receiver-7c2f';
const TOTP_STEP_MS = 30_000;

let t: TestApp;
let clock: TestClock;

/** What a user holds before the change, for the change to end or remove. */
interface Held {
  session?: LiveSessionCredential;
  token?: string;
  userTokenId?: number;
  authorization?: string;
  secret?: string;
  passkeyId?: number;
}

/** One event a receiver should get: its type, subject, and members but its timestamp. */
interface Expected {
  type: string;
  subId: unknown;
  members: Record<string, unknown>;
}

interface Cause {
  name: string;
  /** Gives the user what the change acts on; the events this records are drained first. */
  prepare?: (user: TestUser) => Promise<Held>;
  /** Makes the change over HTTP, as a client would. */
  change: (user: TestUser, held: Held) => Promise<unknown>;
  /** The events owed for it, in order, read once the change is made. */
  expected: (user: TestUser, held: Held) => Promise<Expected[]>;
}

interface SetPayload {
  txn?: unknown;
  sub_id: unknown;
  events: Record<string, Record<string, unknown>>;
}

/** A stream of one receiver, as it takes the SETs owed to it. */
interface Transport {
  method: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** Asks for a verification event carrying `state`. */
  verify(state: string): Promise<void>;
  /** Every SET that arrives, in order, up to and with the verification carrying `state`. */
  takeUntil(state: string): Promise<SetPayload[]>;
}

/** A fresh admin JWT for each call: the tests move the app's clock on. */
const adminJwt = () => accessTokenFor(t, ADMIN);

async function adminBearer(): Promise<string> {
  return `Bearer ${await adminJwt()}`;
}

const jwtId = (token: string) => ({
  format: 'jwt_id',
  iss: t.config.jwt.issuer,
  jti: decodeJwt(token).payload.jti,
});

async function credentialVersion(userId: number): Promise<number> {
  return (await t.db.getRepository(User).findOneByOrFail({ id: userId })).credentialVersion;
}

async function newestUserTokenId(userId: number): Promise<number> {
  const [row] = await t.db
    .getRepository(UserToken)
    .find({ where: { userId }, order: { id: 'DESC' }, take: 1 });
  return row.id;
}

function rsaPublicKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

/** The code an authenticator app shows for `secret` in the app's next step, unused so far. */
function nextCode(secret: string): string {
  clock.advance(TOTP_STEP_MS);
  return generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });
}

async function bearer(user: TestUser): Promise<string> {
  return `Bearer ${await accessTokenFor(t, user)}`;
}

const setKey = async (authorization: string) =>
  t
    .http()
    .put('/api/me/public-key')
    .set('Authorization', authorization)
    .send({ publicKey: rsaPublicKey(), password: PASSWORD })
    .expect(200);

const patchUser = async (user: TestUser, body: object) =>
  t
    .http()
    .patch(`/api/admin/users/${user.id}`)
    .set('Authorization', await adminBearer())
    .send(body)
    .expect(200);

const revoke = (token: string) =>
  t
    .http()
    .post('/oauth2/revoke')
    .set('Authorization', `Bearer ${token}`)
    .type('form')
    .send({ token })
    .expect(200);

const sessionRevoked = (subId: unknown, members: Record<string, unknown>): Expected => ({
  type: EVENT_TYPES.sessionRevoked,
  subId,
  members,
});

const credentialChange = (userId: number, members: Record<string, unknown>): Expected => ({
  type: EVENT_TYPES.credentialChange,
  subId: issSub(t, userId),
  members,
});

const CAUSES: Cause[] = [
  {
    name: 'a session API logout: session-revoked of that session',
    prepare: async (user) => ({ session: await sessionFor(t, user) }),
    change: (_, { session }) =>
      withSession(t.http().post(`/auth/logout/${session!.sid}`), session!).expect(201),
    expected: async (user, { session }) => [
      sessionRevoked(sessionOf(t, user.id, session!.sid), { initiating_entity: 'user' }),
    ],
  },
  {
    name: 'a logout of all sessions: session-revoked of the user, at the new credential version',
    prepare: async (user) => {
      await sessionFor(t, user);
      return { session: await sessionFor(t, user) };
    },
    change: (_, { session }) =>
      withSession(t.http().post(`/auth/logout/${session!.sid}?allSessions=true`), session!).expect(
        201,
      ),
    expected: async (user) => [
      sessionRevoked(issSub(t, user.id), {
        initiating_entity: 'user',
        gatehouse_cv: await credentialVersion(user.id),
      }),
    ],
  },
  {
    name: 'a session ended by an admin: session-revoked of that session',
    prepare: async (user) => ({ session: await sessionFor(t, user) }),
    change: async (_, { session }) =>
      t
        .http()
        .delete(`/api/admin/sessions/${session!.sid}`)
        .set('Authorization', await adminBearer())
        .expect(204),
    expected: async (user, { session }) => [
      sessionRevoked(sessionOf(t, user.id, session!.sid), { initiating_entity: 'admin' }),
    ],
  },
  {
    name: "an admin's end of all credentials: each passkey, the RSA key and every session",
    prepare: async (user) => {
      const authorization = await bearer(user);
      await addPasskey(t, user, authenticatorFor(t), { name: 'Laptop', authorization });
      await setKey(authorization);
      await sessionFor(t, user);
      return {};
    },
    change: async (user) =>
      t
        .http()
        .delete(`/api/admin/users/${user.id}/credentials`)
        .set('Authorization', await adminBearer())
        .expect(200),
    expected: async (user) => {
      const cv = await credentialVersion(user.id);
      return [
        credentialChange(user.id, {
          initiating_entity: 'admin',
          credential_type: 'fido2-platform',
          change_type: 'delete',
          friendly_name: 'Laptop',
        }),
        credentialChange(user.id, {
          initiating_entity: 'admin',
          credential_type: 'x509',
          change_type: 'delete',
          gatehouse_cv: cv,
        }),
        sessionRevoked(issSub(t, user.id), { initiating_entity: 'admin', gatehouse_cv: cv }),
      ];
    },
  },
  {
    name: 'a password change: credential-change and session-revoked, at the new version',
    prepare: async (user) => ({ authorization: await bearer(user) }),
    change: (_, { authorization }) =>
      t
        .http()
        .post('/api/me/password')
        .set('Authorization', authorization!)
        .send({ oldPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204),
    expected: async (user) => {
      const cv = await credentialVersion(user.id);
      return [
        credentialChange(user.id, {
          initiating_entity: 'user',
          credential_type: 'password',
          change_type: 'update',
          gatehouse_cv: cv,
        }),
        sessionRevoked(issSub(t, user.id), { initiating_entity: 'user', gatehouse_cv: cv }),
      ];
    },
  },
  {
    name: "an admin's password reset: the same, by an admin",
    change: async (user) =>
      t
        .http()
        .post(`/api/admin/users/${user.id}/password`)
        .set('Authorization', await adminBearer())
        .send({ password: NEW_PASSWORD })
        .expect((res) => expect(res.status).toBeLessThan(300)),
    expected: async (user) => {
      const cv = await credentialVersion(user.id);
      return [
        credentialChange(user.id, {
          initiating_entity: 'admin',
          credential_type: 'password',
          change_type: 'update',
          gatehouse_cv: cv,
        }),
        sessionRevoked(issSub(t, user.id), { initiating_entity: 'admin', gatehouse_cv: cv }),
      ];
    },
  },
  {
    name: 'TOTP turned on: credential-change app create',
    change: (user) => enrolTotp(t, user, nextCode),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'app',
        change_type: 'create',
      }),
    ],
  },
  {
    name: 'TOTP turned off: credential-change app delete',
    prepare: async (user) => {
      const { secret } = await enrolTotp(t, user, nextCode);
      const login = await t
        .http()
        .post('/v1/auth')
        .send({ username: user.username, password: PASSWORD, otp: nextCode(secret) })
        .expect(200);
      return { secret, authorization: `Bearer ${login.body.access_token as string}` };
    },
    change: (_, { secret, authorization }) =>
      t
        .http()
        .delete('/api/me/totp')
        .set('Authorization', authorization!)
        .send({ code: nextCode(secret!) })
        .expect(204),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'app',
        change_type: 'delete',
      }),
    ],
  },
  {
    name: 'the RSA login key set: credential-change x509 create',
    prepare: async (user) => ({ authorization: await bearer(user) }),
    change: (_, { authorization }) => setKey(authorization!),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'x509',
        change_type: 'create',
      }),
    ],
  },
  {
    name: 'the RSA login key removed: credential-change x509 delete',
    prepare: async (user) => {
      const authorization = await bearer(user);
      await setKey(authorization);
      return { authorization };
    },
    change: (_, { authorization }) =>
      t
        .http()
        .delete('/api/me/public-key')
        .set('Authorization', authorization!)
        .send({ password: PASSWORD })
        .expect(204),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'x509',
        change_type: 'delete',
      }),
    ],
  },
  {
    name: 'a passkey added: credential-change fido2-platform create, with its name',
    change: (user) => addPasskey(t, user, authenticatorFor(t), { name: 'Work laptop' }),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'fido2-platform',
        change_type: 'create',
        friendly_name: 'Work laptop',
      }),
    ],
  },
  {
    name: 'a passkey removed: credential-change fido2-platform delete, with its name',
    prepare: async (user) => {
      const authorization = await bearer(user);
      const { id } = await addPasskey(t, user, authenticatorFor(t), {
        name: 'Phone',
        authorization,
      });
      return { authorization, passkeyId: id };
    },
    change: (_, { authorization, passkeyId }) =>
      t
        .http()
        .delete(`/api/me/passkeys/${passkeyId!}`)
        .set('Authorization', authorization!)
        .expect(204),
    expected: async (user) => [
      credentialChange(user.id, {
        initiating_entity: 'user',
        credential_type: 'fido2-platform',
        change_type: 'delete',
        friendly_name: 'Phone',
      }),
    ],
  },
  {
    name: 'a privilege change: token-claims-change with the new claims, at the new version',
    change: (user) => patchUser(user, { privilege: 'admin' }),
    expected: async (user) => [
      {
        type: EVENT_TYPES.tokenClaimsChange,
        subId: issSub(t, user.id),
        members: {
          initiating_entity: 'admin',
          claims: { sub_type: 'admin', scope: t.config.defaultScopes.admin },
          gatehouse_cv: await credentialVersion(user.id),
        },
      },
    ],
  },
  {
    name: 'a scope change: token-claims-change with the new scope, at the new version',
    change: (user) => patchUser(user, { scope: 'orders:read orders:write' }),
    expected: async (user) => [
      {
        type: EVENT_TYPES.tokenClaimsChange,
        subId: issSub(t, user.id),
        members: {
          initiating_entity: 'admin',
          claims: { sub_type: 'user', scope: 'orders:read orders:write' },
          gatehouse_cv: await credentialVersion(user.id),
        },
      },
    ],
  },
  {
    name: 'a disable: account-disabled and session-revoked, at the new version',
    prepare: async (user) => ({ session: await sessionFor(t, user) }),
    change: (user) => patchUser(user, { enabled: false }),
    expected: async (user) => {
      const cv = await credentialVersion(user.id);
      return [
        {
          type: EVENT_TYPES.accountDisabled,
          subId: issSub(t, user.id),
          members: { initiating_entity: 'admin', gatehouse_cv: cv },
        },
        sessionRevoked(issSub(t, user.id), { initiating_entity: 'admin', gatehouse_cv: cv }),
      ];
    },
  },
  {
    name: 'an enable: account-enabled',
    prepare: async (user) => {
      await patchUser(user, { enabled: false });
      return {};
    },
    change: (user) => patchUser(user, { enabled: true }),
    expected: async (user) => [
      {
        type: EVENT_TYPES.accountEnabled,
        subId: issSub(t, user.id),
        members: { initiating_entity: 'admin' },
      },
    ],
  },
  {
    name: 'a delete: account-purged',
    prepare: async (user) => ({ session: await sessionFor(t, user) }),
    change: async (user) =>
      t
        .http()
        .delete(`/api/admin/users/${user.id}`)
        .set('Authorization', await adminBearer())
        .expect(204),
    expected: async (user) => [
      {
        type: EVENT_TYPES.accountPurged,
        subId: issSub(t, user.id),
        members: { initiating_entity: 'admin' },
      },
    ],
  },
  {
    name: 'an access JWT revoked by itself (RFC 7009): session-revoked of its jti',
    prepare: async (user) => ({ token: await accessTokenFor(t, user) }),
    change: (_, { token }) => revoke(token!),
    expected: async (_, { token }) => [
      sessionRevoked(jwtId(token!), { initiating_entity: 'user' }),
    ],
  },
  {
    name: 'an access JWT revoked by an admin: session-revoked of its jti',
    prepare: async (user) => ({ token: await accessTokenFor(t, user) }),
    change: async (_, { token }) =>
      t
        .http()
        .post('/api/admin/revoked-tokens')
        .set('Authorization', await adminBearer())
        .send({ token })
        .expect(201),
    expected: async (_, { token }) => [
      sessionRevoked(jwtId(token!), { initiating_entity: 'admin' }),
    ],
  },
  {
    name: 'a user token logged out: session-revoked of user-token:<id>',
    prepare: async (user) => ({
      token: await userTokenFor(t, user),
      userTokenId: await newestUserTokenId(user.id),
    }),
    change: (_, { token }) =>
      t.http().post('/auth/logout').set('Authorization', `Bearer ${token!}`).expect(200),
    expected: async (user, { userTokenId }) => [
      sessionRevoked(sessionOf(t, user.id, `user-token:${userTokenId!}`), {
        initiating_entity: 'user',
      }),
    ],
  },
  {
    name: 'a user token revoked by itself (RFC 7009): session-revoked of user-token:<id>',
    prepare: async (user) => ({
      token: await userTokenFor(t, user),
      userTokenId: await newestUserTokenId(user.id),
    }),
    change: (_, { token }) => revoke(token!),
    expected: async (user, { userTokenId }) => [
      sessionRevoked(sessionOf(t, user.id, `user-token:${userTokenId!}`), {
        initiating_entity: 'user',
      }),
    ],
  },
];

/** A receiver's stream, asking for every event a user's change may cause. */
class Subscription {
  private constructor(
    readonly receiver: Receiver,
    readonly streamId: string,
  ) {}

  static async create(delivery: Record<string, unknown>): Promise<Subscription> {
    const receiver = await newReceiver(t, await adminJwt());
    const { stream_id: streamId } = await createStream(t, receiver, {
      delivery,
      events_requested: [...SUBSCRIBABLE_EVENT_TYPES],
    });
    return new Subscription(receiver, streamId);
  }

  /** Asks for a verification event carrying `state`, which goes out after all owed before it. */
  async verify(state: string): Promise<void> {
    await t
      .http()
      .post('/ssf/verify')
      .set('Authorization', this.receiver.auth)
      .send({ stream_id: this.streamId, state })
      .expect(204);
  }

  async delete(): Promise<void> {
    await t
      .http()
      .delete(`/ssf/streams?stream_id=${this.streamId}`)
      .set('Authorization', this.receiver.auth)
      .expect(204);
  }

  /** The SET as the receiver checks it, on its own. */
  check(set: string): Promise<SetPayload & { jti?: string }> {
    return verifySet(t, set, this.receiver.clientId);
  }
}

/** Poll delivery (RFC 8936): waiting polls, each acknowledging what the one before took. */
function polled(): Transport {
  let stream: Subscription;
  const poll = async (body: Record<string, unknown>) => {
    const res = await t
      .http()
      .post(`/ssf/poll/${stream.streamId}`)
      .set('Authorization', stream.receiver.auth)
      .send(body);
    expect(res.status).toBe(200);
    return res.body as { sets: Record<string, string>; moreAvailable: boolean };
  };
  return {
    method: 'poll',
    async open() {
      stream = await Subscription.create({ method: POLL });
    },
    close: () => stream.delete(),
    verify: (state) => stream.verify(state),
    async takeUntil(state) {
      const taken: SetPayload[] = [];
      let ack: string[] = [];
      while (!taken.some((payload) => isMarker(payload, state))) {
        const answer = await poll({ returnImmediately: false, ack });
        ack = Object.keys(answer.sets);
        for (const [jti, set] of Object.entries(answer.sets)) {
          const payload = await stream.check(set);
          expect(payload.jti).toBe(jti);
          taken.push(payload);
        }
      }
      // Acknowledged without taking more: the next change starts from nothing owed.
      expect(await poll({ returnImmediately: true, ack, maxEvents: 0 })).toEqual({
        sets: {},
        moreAvailable: false,
      });
      return taken;
    },
  };
}

/** Push delivery (RFC 8935): a receiver on a real port that answers each SET 202. */
function pushed(): Transport {
  let stream: Subscription;
  let endpoint: PushReceiver;
  let seen = 0;
  return {
    method: 'push',
    async open() {
      endpoint = await PushReceiver.start();
      stream = await Subscription.create({
        method: PUSH,
        endpoint_url: endpoint.url,
        authorization_header: PUSH_AUTHORIZATION,
      });
    },
    async close() {
      await stream.delete();
      await endpoint.stop();
    },
    verify: (state) => stream.verify(state),
    async takeUntil(state) {
      const taken: SetPayload[] = [];
      while (!taken.some((payload) => isMarker(payload, state))) {
        const [push] = (await endpoint.received(seen + 1)).slice(seen);
        seen += 1;
        expect(push.headers['content-type']).toBe('application/secevent+jwt');
        expect(push.headers.authorization).toBe(PUSH_AUTHORIZATION);
        taken.push(await stream.check(push.set));
      }
      return taken;
    },
  };
}

const isMarker = (payload: SetPayload, state: string) =>
  payload.events[EVENT_TYPES.verification]?.state === state;

beforeAll(async () => {
  t = await startTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  clock = controlClock(t);
});

afterAll(async () => {
  clock?.restore();
  await t?.close();
});

describe.each([polled(), pushed()])('by $method', (transport) => {
  /** Every txn seen so far on this stream: no two changes share one. */
  const txns = new Set<string>();

  /**
   * Asks for a verification event and answers every SET that arrived before it, the marker
   * left out. Each ask comes after the shortest interval the stream allows, on the app's clock.
   */
  async function drain(): Promise<SetPayload[]> {
    clock.advance(MIN_VERIFICATION_INTERVAL_SECONDS * 1000 + 1_000);
    const state = randomUUID();
    await transport.verify(state);
    const taken = await transport.takeUntil(state);
    const marker = taken.findIndex((payload) => isMarker(payload, state));
    expect(marker).toBe(taken.length - 1);
    return taken.slice(0, marker);
  }

  beforeAll(async () => {
    await transport.open();
    expect(await drain()).toEqual([]);
  });

  afterAll(() => transport.close());

  it.each(CAUSES)('$name', { timeout: 90_000 }, async (cause) => {
    const user = await registerUser(t, uniqueName('causes'), PASSWORD);
    const held = (await cause.prepare?.(user)) ?? {};
    await drain();

    await cause.change(user, held);
    const changedAt = clock.nowMs() / 1000;
    const expected = await cause.expected(user, held);
    const arrived = await drain();

    expect(
      arrived.map(({ events, sub_id }) => {
        const [[type, members]] = Object.entries(events);
        expect(Object.keys(events)).toHaveLength(1);
        const { event_timestamp, ...rest } = members;
        expect(Math.abs((event_timestamp as number) - changedAt)).toBeLessThanOrEqual(5);
        return { type, subId: sub_id, members: rest };
      }),
    ).toEqual(expected);
    const [txn] = new Set(arrived.map((payload) => payload.txn as string));
    expect(arrived.every((payload) => payload.txn === txn)).toBe(true);
    expect(txns.has(txn)).toBe(false);
    txns.add(txn);
  });
});
