import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor } from '../support/credentials.js';
import { sql } from '../support/fixtures.js';
import {
  createStream,
  newReceiver,
  POLL,
  PUSH,
  type Receiver,
  recordUserEvent,
  verifySet,
  setStreamStatus,
} from '../support/ssf.js';
import { EVENT_TYPES, type EventType } from '../../src/security-events/event-types.js';
import { DeliveriesService, type PendingDelivery } from '../../src/ssf/deliveries.service.js';
import { PollService } from '../../src/ssf/poll.service.js';

/**
 * Poll delivery (RFC 8936) as a receiver meets it: SETs it verifies on its own against the key
 * set, oldest first, under the same jti until acknowledged; a poll that waits for an event; a
 * paused stream that keeps its events and a disabled one that drops them.
 */

const ADMIN = { username: 'the-admin', password: 'admin-password-1' };

let t: TestApp;
let clock: TestClock;
let adminJwt: string;

interface PollAnswer {
  sets: Record<string, string>;
  moreAvailable: boolean;
}

async function poll(
  receiver: Receiver,
  streamId: string,
  body: Record<string, unknown> = { returnImmediately: true },
): Promise<PollAnswer> {
  const res = await t
    .http()
    .post(`/ssf/poll/${streamId}`)
    .set('Authorization', receiver.auth)
    .send(body);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.body as PollAnswer;
}

async function pollStream(
  events: EventType[] = [EVENT_TYPES.credentialChange, EVENT_TYPES.sessionRevoked],
) {
  const receiver = await newReceiver(t, adminJwt);
  const { stream_id: id } = await createStream(t, receiver, {
    delivery: { method: POLL },
    events_requested: events,
  });
  return { receiver, id };
}

/** The `change_type` each SET carries, in the order the poll answered them. */
async function changesIn(receiver: Receiver, answer: PollAnswer): Promise<unknown[]> {
  const changes = [];
  for (const [jti, set] of Object.entries(answer.sets)) {
    const payload = await verifySet(t, set, receiver.clientId);
    expect(payload.jti).toBe(jti);
    changes.push(payload.events[EVENT_TYPES.credentialChange].change_type);
  }
  return changes;
}

const change = (userId: number, changeType: string) =>
  recordUserEvent(t, userId, EVENT_TYPES.credentialChange, {
    credential_type: 'password',
    change_type: changeType,
  });

/** Resolves at the first look of a waiting poll of `streamId` that finds nothing owed. */
function firstEmptyLook(streamId: string): Promise<void> {
  const deliveries = t.app.get(DeliveriesService);
  const original = deliveries.pending.bind(deliveries);
  return new Promise((resolve) => {
    const spy = vi
      .spyOn(deliveries, 'pending')
      .mockImplementation(async (id: string, max: number): Promise<PendingDelivery[]> => {
        const found = await original(id, max);
        if (id === streamId && found.length === 0) {
          spy.mockRestore();
          resolve();
        }
        return found;
      });
  });
}

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  clock = controlClock(t);
  adminJwt = await accessTokenFor(t, ADMIN);
});
afterAll(async () => {
  clock.restore();
  await t.close();
});

it('answers the SETs owed oldest first, verifiable against the JWKS, with the same jti until acknowledged', async () => {
  const { receiver, id } = await pollStream();
  await change(41, 'create');
  await change(42, 'update');
  await change(43, 'delete');

  const first = await poll(receiver, id, { returnImmediately: true, maxEvents: 2 });
  expect(first.moreAvailable).toBe(true);
  expect(await changesIn(receiver, first)).toEqual(['create', 'update']);
  const [set] = Object.values(first.sets);
  const payload = await verifySet(t, set, receiver.clientId);
  expect(payload.sub_id).toEqual({ format: 'iss_sub', iss: t.config.jwt.issuer, sub: '41' });
  expect(payload.events).toEqual({
    [EVENT_TYPES.credentialChange]: { credential_type: 'password', change_type: 'create' },
  });

  const again = await poll(receiver, id, { returnImmediately: true, maxEvents: 2 });
  expect(Object.keys(again.sets)).toEqual(Object.keys(first.sets));

  const next = await poll(receiver, id, { returnImmediately: true, ack: Object.keys(first.sets) });
  expect(next.moreAvailable).toBe(false);
  expect(await changesIn(receiver, next)).toEqual(['delete']);

  const done = await poll(receiver, id, { returnImmediately: true, ack: Object.keys(next.sets) });
  expect(done).toEqual({ sets: {}, moreAvailable: false });
  expect(await sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1', [id])).toEqual([]);
});

it('acknowledges without taking more when maxEvents is 0, and drops the SETs the receiver refused', async () => {
  const { receiver, id } = await pollStream();
  await change(51, 'create');
  await change(52, 'update');
  await change(53, 'delete');
  const [a, b, c] = Object.keys((await poll(receiver, id)).sets);

  const ackOnly = await poll(receiver, id, { ack: [a], maxEvents: 0 });
  expect(ackOnly).toEqual({ sets: {}, moreAvailable: true });

  const refused = await poll(receiver, id, {
    returnImmediately: true,
    setErrs: { [b]: { err: 'invalid_key', description: 'Unknown key' } },
  });
  expect(Object.keys(refused.sets)).toEqual([c]);
});

it('delivers only the types the stream asked for, and none of another stream’s', async () => {
  const { receiver, id } = await pollStream([EVENT_TYPES.accountDisabled]);
  const other = await pollStream([EVENT_TYPES.credentialChange]);
  await change(61, 'update');
  await recordUserEvent(t, 61, EVENT_TYPES.accountDisabled, {});
  await poll(other.receiver, other.id, { returnImmediately: true });

  const answer = await poll(receiver, id);
  const sets = Object.values(answer.sets);
  expect(sets).toHaveLength(1);
  const payload = await verifySet(t, sets[0], receiver.clientId);
  expect(Object.keys(payload.events)).toEqual([EVENT_TYPES.accountDisabled]);

  const foreign = Object.keys((await poll(other.receiver, other.id)).sets);
  const ignored = await poll(receiver, id, { returnImmediately: true, ack: foreign });
  expect(Object.keys(ignored.sets)).toEqual(Object.keys(answer.sets));
  expect(Object.keys((await poll(other.receiver, other.id)).sets)).toEqual(foreign);
});

it('waits, by default, for an event recorded while it waits', async () => {
  const { receiver, id } = await pollStream();
  const looked = firstEmptyLook(id);
  const answer = poll(receiver, id, {});
  await looked;
  await change(71, 'update');
  expect(await changesIn(receiver, await answer)).toEqual(['update']);
});

it('answers nothing when nothing comes within 30 seconds', async () => {
  const { receiver, id } = await pollStream();
  const looked = firstEmptyLook(id);
  const answer = poll(receiver, id, { returnImmediately: false });
  await looked;
  clock.advance(30_000);
  expect(await answer).toEqual({ sets: {}, moreAvailable: false });
});

it('stops waiting when the receiver closes the request', async () => {
  const { receiver, id } = await pollStream();
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  const polls = t.app.get(PollService);
  const original = polls.poll.bind(polls);
  let waited: Promise<unknown> | undefined;
  const spy = vi.spyOn(polls, 'poll').mockImplementation((...args) => {
    waited = original(...args);
    return waited as ReturnType<typeof original>;
  });
  const looked = firstEmptyLook(id);
  t.useStrategies();
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: `/ssf/poll/${id}`,
    headers: { Authorization: receiver.auth, 'Content-Type': 'application/json' },
  });
  request.on('error', () => undefined);
  request.end('{}');
  await looked;
  request.destroy();
  // Without the close, this would wait the full 30 seconds (the clock is not moved).
  await expect(waited).resolves.toEqual({ sets: {}, moreAvailable: false });
  spy.mockRestore();
});

it('keeps a paused stream’s events and delivers them once it is enabled again', async () => {
  const { receiver, id } = await pollStream();
  const status = (value: string) => setStreamStatus(t, receiver, id, value);
  await change(81, 'create');
  await status('paused');
  await change(82, 'update');

  expect(await poll(receiver, id)).toEqual({ sets: {}, moreAvailable: false });
  await status('enabled');
  expect(await changesIn(receiver, await poll(receiver, id))).toEqual(['create', 'update']);
});

it('drops a disabled stream’s events and owes it none while it is disabled', async () => {
  const { receiver, id } = await pollStream();
  const status = (value: string) => setStreamStatus(t, receiver, id, value);
  await change(91, 'create');
  await status('disabled');
  expect(await sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1', [id])).toEqual([]);
  await change(92, 'update');
  await status('enabled');
  expect(await poll(receiver, id)).toEqual({ sets: {}, moreAvailable: false });
  await change(93, 'delete');
  expect(await changesIn(receiver, await poll(receiver, id))).toEqual(['delete']);
});

it('answers no SETs to a poll of a stream delivered by push', async () => {
  const receiver = await newReceiver(t, adminJwt);
  const { stream_id: id } = await createStream(t, receiver, {
    delivery: { method: PUSH, endpoint_url: 'https://receiver.example.test/events' },
    events_requested: [EVENT_TYPES.credentialChange],
  });
  await change(95, 'update');
  expect(await poll(receiver, id)).toEqual({ sets: {}, moreAvailable: false });
  expect(await sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1', [id])).toHaveLength(1);
});
