import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/clock/clock.service.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { entities } from '../../src/entities.js';
import { EVENT_TYPES } from '../../src/security-events/event-types.js';
import { SecurityEventsService } from '../../src/security-events/security-events.service.js';
import { basic } from '../support/basic-auth.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor } from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql, uniqueName } from '../support/fixtures.js';
import { PushReceiver } from '../support/push-receiver.js';
import {
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import {
  createStream,
  newReceiver,
  POLL,
  PUSH,
  type Receiver,
  recordUserEvent,
  SET_TYPE,
  verifySet,
  setStreamStatus,
} from '../support/ssf.js';

/**
 * Push delivery (RFC 8935) as a receiver meets it: each event POSTed as a SET with the stream's
 * Authorization header, acknowledged by a 2xx, dropped on a 400 with an `err`, tried again with
 * the same jti after a 5xx, a timeout or a refused connection, in event order throughout; paused
 * streams wait, disabled ones drop. On PostgreSQL, two server processes deliver each event once,
 * and a kill -9 of the one delivering loses nothing.
 */

const ADMIN = { username: 'the-admin', password: 'admin-password-1' };
const ISSUER = 'https://issuer.example.test';
const PUSH_AUTHORIZATION = 'Bearer receiver-secret-5d1e';
/** Longer than any backoff: moving the clock by it makes every retry due. */
const PAST_ANY_BACKOFF_MS = 5 * 60_000 + 1_000;

const isPostgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

interface Subscriber {
  client: Receiver;
  streamId: string;
  receiver: PushReceiver;
}

describe('push delivery, in one instance', () => {
  let t: TestApp;
  let clock: TestClock;
  let adminJwt: string;
  const subscribers: Subscriber[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      JWT_ISSUER: ISSUER,
      SSF_PUSH_TIMEOUT_SECONDS: '1',
    });
    clock = controlClock(t);
    adminJwt = await accessTokenFor(t, ADMIN);
  });
  afterAll(async () => {
    clock.restore();
    await t.close();
  });
  // Every stream that asked for an event type gets every such event: each test's streams go.
  afterEach(async () => {
    for (const { client, streamId, receiver } of subscribers.splice(0)) {
      await t.http().delete(`/ssf/streams?stream_id=${streamId}`).set('Authorization', client.auth);
      await receiver.stop();
    }
  });

  async function subscribe(
    delivery: Record<string, unknown> = {},
    receiver?: PushReceiver,
  ): Promise<Subscriber> {
    const client = await newReceiver(t, adminJwt);
    const listening = receiver ?? (await PushReceiver.start());
    const { stream_id: streamId } = await createStream(t, client, {
      delivery: { method: PUSH, endpoint_url: listening.url, ...delivery },
      events_requested: [EVENT_TYPES.credentialChange],
    });
    const subscriber = { client, streamId, receiver: listening };
    subscribers.push(subscriber);
    return subscriber;
  }

  const owed = (streamId: string) =>
    sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1 ORDER BY "eventId"', [streamId]);

  /** Waits until the stream is owed nothing: every push was acknowledged or dropped. */
  const settled = (streamId: string) =>
    vi.waitFor(async () => expect(await owed(streamId)).toEqual([]), { timeout: 10_000 });

  /** Waits until the stream's oldest owed delivery has failed `attempts` times. */
  const failedTimes = (streamId: string, attempts: number) =>
    vi.waitFor(
      async () =>
        expect(Number((await owed(streamId))[0]?.attempts)).toBeGreaterThanOrEqual(attempts),
      { timeout: 10_000 },
    );

  const setStatus = (subscriber: Subscriber, status: string) =>
    setStreamStatus(t, subscriber.client, subscriber.streamId, status);

  const txnOf = (set: string) => decodeJwt(set).txn as string;
  const jtiOf = (set: string) => decodeJwt(set).jti as string;
  /** The txn of each recorded event, in the order recorded. */
  const txnsOf = async (eventIds: number[]) => {
    const rows = await sql(t, 'SELECT "id", "detail" FROM "security_event" ORDER BY "id"');
    const byId = new Map(rows.map((row) => [Number(row.id), JSON.parse(String(row.detail))]));
    return eventIds.map((id) => byId.get(id).txn as string);
  };

  it('POSTs each event as a SET with the stream’s Authorization header, acknowledged by 202', async () => {
    const subscriber = await subscribe({ authorization_header: PUSH_AUTHORIZATION });
    const eventId = await recordUserEvent(t, 42);

    const [push] = await subscriber.receiver.received(1);
    expect(push.headers['content-type']).toBe('application/secevent+jwt');
    expect(push.headers.accept).toBe('application/json');
    expect(push.headers.authorization).toBe(PUSH_AUTHORIZATION);
    const payload = await verifySet(t, push.set, subscriber.client.clientId);
    expect(payload.iss).toBe(ISSUER);
    expect(payload.aud).toBe(subscriber.client.clientId);
    expect(payload.sub_id).toEqual({ format: 'iss_sub', iss: ISSUER, sub: '42' });
    expect(payload.events).toEqual({
      [EVENT_TYPES.credentialChange]: { credential_type: 'password', change_type: 'update' },
    });
    expect(payload.txn).toBe((await txnsOf([eventId]))[0]);
    await settled(subscriber.streamId);

    // A verification event goes the same way, to this stream alone.
    const verify = await t
      .http()
      .post('/ssf/verify')
      .set('Authorization', subscriber.client.auth)
      .send({ stream_id: subscriber.streamId, state: 'push-state' });
    expect(verify.status).toBe(204);
    const [, verification] = await subscriber.receiver.received(2);
    expect((await verifySet(t, verification.set, subscriber.client.clientId)).events).toEqual({
      [EVENT_TYPES.verification]: { state: 'push-state' },
    });
    await settled(subscriber.streamId);
    expect(subscriber.receiver.pushes).toHaveLength(2);
  });

  it('tries a push answered 500 again with the same jti, and stops once it is acknowledged', async () => {
    const subscriber = await subscribe();
    subscriber.receiver.script.push({ status: 500 });
    await recordUserEvent(t, 7);

    await subscriber.receiver.received(1);
    await failedTimes(subscriber.streamId, 1);
    const [row] = await owed(subscriber.streamId);
    expect(new Date(String(row.nextAttemptAt)).getTime()).toBeGreaterThan(clock.nowMs() - 1_000);
    clock.advance(PAST_ANY_BACKOFF_MS);
    const [first, second] = await subscriber.receiver.received(2);
    expect(jtiOf(second.set)).toBe(jtiOf(first.set));
    await settled(subscriber.streamId);
    expect(subscriber.receiver.pushes).toHaveLength(2);
  });

  it('drops a push refused with a 400 and its err, and delivers the next one (a 200 acknowledges too)', async () => {
    const subscriber = await subscribe();
    subscriber.receiver.script.push(
      { status: 400, body: { err: 'invalid_audience', description: 'Not for us' } },
      { status: 200 },
    );
    const events = [await recordUserEvent(t, 8), await recordUserEvent(t, 9)];

    const pushes = await subscriber.receiver.received(2);
    expect(pushes.map(({ set }) => txnOf(set))).toEqual(await txnsOf(events));
    await settled(subscriber.streamId);
    expect(subscriber.receiver.pushes).toHaveLength(2);
  });

  it('tries again a push that got no answer within SSF_PUSH_TIMEOUT_SECONDS', async () => {
    const subscriber = await subscribe();
    subscriber.receiver.script.push('hold');
    await recordUserEvent(t, 10);

    await subscriber.receiver.received(1);
    // The receiver holds it: after the second, the push counts as failed.
    await failedTimes(subscriber.streamId, 1);
    clock.advance(PAST_ANY_BACKOFF_MS);
    const [held, again] = await subscriber.receiver.received(2);
    expect(jtiOf(again.set)).toBe(jtiOf(held.set));
    await settled(subscriber.streamId);
  });

  it('keeps the stream’s order across retries: later events wait for the one retried', async () => {
    const subscriber = await subscribe();
    // A 4xx other than a 400 with an err says nothing against the SET: tried again too.
    subscriber.receiver.script.push({ status: 503 }, { status: 401 });
    const events = [];
    for (const user of [11, 12, 13]) events.push(await recordUserEvent(t, user));

    await subscriber.receiver.received(1);
    await failedTimes(subscriber.streamId, 1);
    clock.advance(PAST_ANY_BACKOFF_MS);
    await subscriber.receiver.received(2);
    await failedTimes(subscriber.streamId, 2);
    clock.advance(PAST_ANY_BACKOFF_MS);
    await settled(subscriber.streamId);

    const txns = await txnsOf(events);
    expect(subscriber.receiver.pushes.map(({ set }) => txnOf(set))).toEqual([
      txns[0],
      txns[0],
      txns[0],
      txns[1],
      txns[2],
    ]);
  });

  it('delivers everything, in order, to a receiver that was down for an hour', async () => {
    const subscriber = await subscribe();
    await subscriber.receiver.stop();
    const events = [];
    for (const user of [21, 22, 23]) events.push(await recordUserEvent(t, user));

    // An hour of refused connections, the clock moved rather than waited.
    let attempts = 1;
    await failedTimes(subscriber.streamId, attempts);
    for (let minutes = 0; minutes < 60; minutes += 5) {
      clock.advance(5 * 60_000);
      await failedTimes(subscriber.streamId, ++attempts);
    }
    const [row] = await owed(subscriber.streamId);
    expect(Number(row.attempts)).toBeGreaterThanOrEqual(13);
    expect(subscriber.receiver.pushes).toEqual([]);

    await subscriber.receiver.restart();
    clock.advance(PAST_ANY_BACKOFF_MS);
    const pushes = await subscriber.receiver.received(3);
    expect(pushes.map(({ set }) => txnOf(set))).toEqual(await txnsOf(events));
    await settled(subscriber.streamId);
  });

  it('pushes nothing to a paused stream, then everything once it is enabled', async () => {
    const paused = await subscribe();
    await setStatus(paused, 'paused');
    const witness = await subscribe();
    const events = [await recordUserEvent(t, 31), await recordUserEvent(t, 32)];

    // The witness, owed the same events, shows the deliverer has looked since.
    await witness.receiver.received(2);
    await settled(witness.streamId);
    expect(paused.receiver.pushes).toEqual([]);
    expect(await owed(paused.streamId)).toHaveLength(2);

    await setStatus(paused, 'enabled');
    const pushes = await paused.receiver.received(2);
    expect(pushes.map(({ set }) => txnOf(set))).toEqual(await txnsOf(events));
    await settled(paused.streamId);
  });

  it('drops what a disabled stream was owed, and owes it nothing while disabled', async () => {
    const subscriber = await subscribe();
    subscriber.receiver.script.push({ status: 503 });
    const dropped = await recordUserEvent(t, 41);
    await failedTimes(subscriber.streamId, 1);

    await setStatus(subscriber, 'disabled');
    expect(await owed(subscriber.streamId)).toEqual([]);
    await recordUserEvent(t, 42);
    expect(await owed(subscriber.streamId)).toEqual([]);

    await setStatus(subscriber, 'enabled');
    const delivered = await recordUserEvent(t, 43);
    clock.advance(PAST_ANY_BACKOFF_MS);
    await subscriber.receiver.received(2);
    await settled(subscriber.streamId);
    expect(subscriber.receiver.pushes.map(({ set }) => txnOf(set))).toEqual(
      await txnsOf([dropped, delivered]),
    );
  });

  it('exposes what was delivered, retried and dropped, and the age of the oldest owed event', async () => {
    const metrics = async () => (await t.http().get('/metrics')).text;
    const value = (text: string, sample: string) => {
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
      return line === undefined ? 0 : Number(line.slice(sample.length + 1));
    };
    const before = await metrics();

    const pushed = await subscribe();
    pushed.receiver.script.push(
      { status: 500 },
      { status: 400, body: { err: 'invalid_key' } },
      { status: 400, body: { err: 'made_up_error' } },
    );
    for (const user of [51, 52, 53, 54]) await recordUserEvent(t, user);
    await failedTimes(pushed.streamId, 1);
    clock.advance(PAST_ANY_BACKOFF_MS);
    await settled(pushed.streamId);

    const polledClient = await newReceiver(t, adminJwt);
    const { stream_id: polled } = await createStream(t, polledClient, {
      delivery: { method: POLL },
      events_requested: [EVENT_TYPES.credentialChange],
    });
    await recordUserEvent(t, 55);
    await settled(pushed.streamId);
    clock.advance(90_000);
    const waiting = await metrics();
    expect(
      value(waiting, `gatehouse_ssf_oldest_undelivered_seconds{stream="${polled}"}`),
    ).toBeGreaterThanOrEqual(90);
    expect(
      value(waiting, `gatehouse_ssf_oldest_undelivered_seconds{stream="${pushed.streamId}"}`),
    ).toBe(0);

    const poll = await t
      .http()
      .post(`/ssf/poll/${polled}`)
      .set('Authorization', polledClient.auth)
      .send({ returnImmediately: true });
    const ack = await t
      .http()
      .post(`/ssf/poll/${polled}`)
      .set('Authorization', polledClient.auth)
      .send({ returnImmediately: true, ack: Object.keys(poll.body.sets) });
    expect(ack.status).toBe(200);
    await t
      .http()
      .delete(`/ssf/streams?stream_id=${polled}`)
      .set('Authorization', polledClient.auth);

    const after = await metrics();
    const grew = (sample: string) => value(after, sample) - value(before, sample);
    // Four events owed to the pushed stream, then one owed to it and to the polled one.
    expect(grew('gatehouse_ssf_events_written_total')).toBe(6);
    expect(grew('gatehouse_ssf_events_delivered_total{method="push"}')).toBeGreaterThanOrEqual(2);
    expect(grew('gatehouse_ssf_events_delivered_total{method="poll"}')).toBe(1);
    expect(grew('gatehouse_ssf_events_retried_total')).toBeGreaterThanOrEqual(1);
    expect(grew('gatehouse_ssf_events_dropped_total{reason="invalid_key"}')).toBe(1);
    expect(grew('gatehouse_ssf_events_dropped_total{reason="other"}')).toBe(1);
    expect(after).not.toContain(`stream="${polled}"`);
  });
});

/**
 * The process that owns the local end of a TCP connection on 127.0.0.1:`port`, among `pids`: the
 * connection's socket inode, from /proc/net/tcp, among each process's open files.
 */
function ownerOf(port: number, pids: number[]): number | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set(
    readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => fields[9]),
  );
  return pids.find((pid) =>
    readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return match !== null && inodes.has(match[1]);
      } catch {
        return false;
      }
    }),
  );
}

describe.skipIf(!isPostgres)('push delivery, by two instances on one PostgreSQL database', () => {
  // SQLite runs one instance by design; several instances mean PostgreSQL.
  let database: TestDatabase;
  let writer: DataSource;
  let servers: ServerProcess[] = [];
  let receiver: PushReceiver;
  let client: { clientId: string; auth: string };
  let jwks: ReturnType<typeof createLocalJWKSet>;

  const env = () => ({
    DATABASE_URL: database.url,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    JWT_ISSUER: ISSUER,
    SSF_PUSH_TIMEOUT_SECONDS: '60',
  });

  async function call(
    server: ServerProcess,
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) {
    const response = await fetch(`${server.baseUrl}${path}`, {
      ...init,
      headers: { 'Content-Type': 'application/json', ...init.headers },
      signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  /** Records `count` events for every stream, as changes would, each in its own transaction. */
  async function record(count: number): Promise<string[]> {
    const events = new SecurityEventsService(new Clock());
    const txns: string[] = [];
    for (let i = 0; i < count; i++) {
      const txn = randomUUID();
      await writer.transaction((manager) =>
        events.record(manager, {
          type: EVENT_TYPES.credentialChange,
          userId: i,
          detail: {
            sub_id: { format: 'iss_sub', iss: ISSUER, sub: String(i) },
            txn,
            event: { credential_type: 'password', change_type: 'update' },
          },
        }),
      );
      txns.push(txn);
    }
    return txns;
  }

  /** The txns of the SETs received, each checked as a receiver would. */
  async function txnsReceived(): Promise<string[]> {
    const txns: string[] = [];
    for (const { set } of receiver.pushes) {
      const { payload } = await jwtVerify(set, jwks, {
        issuer: ISSUER,
        audience: client.clientId,
        typ: SET_TYPE,
      });
      expect(payload.events).toHaveProperty([EVENT_TYPES.credentialChange]);
      expect(payload.sub_id).toMatchObject({ format: 'iss_sub' });
      txns.push(payload.txn as string);
    }
    return txns;
  }

  const owed = async () =>
    writer.query('SELECT "jti" FROM "ssf_delivery" ORDER BY "eventId"') as Promise<unknown[]>;

  beforeAll(async () => {
    database = await createTestDatabase();
    servers = [await startServerProcess(env()), await startServerProcess(env())];
    writer = new DataSource(dataSourceOptions(database.url, entities));
    await writer.initialize();
    receiver = await PushReceiver.start();

    const login = await call(servers[0], '/v1/auth', {
      method: 'POST',
      body: JSON.stringify(ADMIN),
    });
    const created = await call(servers[0], '/api/admin/clients', {
      method: 'POST',
      headers: { Authorization: `Bearer ${login.body.access_token}` },
      body: JSON.stringify({ name: uniqueName('receiver') }),
    });
    expect(created.status).toBe(201);
    client = {
      clientId: created.body.clientId,
      auth: basic(created.body.clientId, created.body.clientSecret),
    };
    const stream = await call(servers[1], '/ssf/streams', {
      method: 'POST',
      headers: { Authorization: client.auth },
      body: JSON.stringify({
        delivery: { method: PUSH, endpoint_url: receiver.url },
        events_requested: [EVENT_TYPES.credentialChange],
      }),
    });
    expect(stream.status).toBe(201);
    const keys = await fetch(`${servers[0].baseUrl}/.well-known/jwks.json`);
    jwks = createLocalJWKSet((await keys.json()) as JSONWebKeySet);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => stopServerProcess(server)));
    await receiver?.stop();
    await writer?.destroy();
    await database?.drop();
  });

  it('delivers each event exactly once, in order', async () => {
    const txns = await record(20);
    await receiver.received(20);
    await vi.waitFor(async () => expect(await owed()).toEqual([]), { timeout: 10_000 });
    expect(await txnsReceived()).toEqual(txns);
    expect(receiver.pushes).toHaveLength(20);
  });

  it('loses nothing when the instance delivering is killed mid-push: the other delivers it all', async () => {
    receiver.pushes.splice(0);
    receiver.script.push('hold');
    const txns = await record(5);
    const [held] = await receiver.received(1);
    const pids = servers.map(({ child }) => child.pid!);
    const deliverer = ownerOf(held.remotePort, pids);
    expect(deliverer).toBeDefined();
    const killed = servers.find(({ child }) => child.pid === deliverer)!;
    killed.child.kill('SIGKILL');
    await killed.exited;
    servers = servers.filter((server) => server !== killed);

    await vi.waitFor(async () => expect(await owed()).toEqual([]), { timeout: 20_000 });
    const received = await txnsReceived();
    // At least once: the held push again, under the same jti, then the rest in order.
    expect(received).toEqual([txns[0], ...txns]);
    expect(decodeJwt(receiver.pushes[1].set).jti).toBe(decodeJwt(held.set).jti);
  });
});
