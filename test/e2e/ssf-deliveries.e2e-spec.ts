import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor } from '../support/credentials.js';
import { uniqueName } from '../support/fixtures.js';
import { SsfStream } from '../../src/security-events/entities/ssf-stream.entity.js';
import { SsfDelivery } from '../../src/security-events/entities/ssf-delivery.entity.js';
import { EVENT_TYPES } from '../../src/security-events/event-types.js';
import { SecurityEventsService } from '../../src/security-events/security-events.service.js';
import { DeliveriesService } from '../../src/ssf/deliveries.service.js';

/**
 * The queue of each stream, as poll and push read it: in event order, one stream's deliveries
 * out of another's reach, acknowledged, dropped or put off by `jti` and event.
 */

const ADMIN = { username: 'the-admin', password: 'admin-password-1' };

let t: TestApp;
let clock: TestClock;
let deliveries: DeliveriesService;
let adminJwt: string;

async function newStream(): Promise<string> {
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', `Bearer ${adminJwt}`)
    .send({ name: uniqueName('receiver') });
  expect(res.status).toBe(201);
  const id = randomUUID();
  const now = new Date(clock.nowMs());
  await t.db.getRepository(SsfStream).insert({
    id,
    clientId: (res.body as { clientId: string }).clientId,
    status: 'enabled',
    statusReason: null,
    deliveryMethod: 'urn:ietf:rfc:8936',
    endpointUrl: null,
    sealedAuthorization: null,
    eventsRequested: [],
    eventsDelivered: [],
    description: null,
    createdAt: now,
    updatedAt: now,
  });
  return id;
}

/** A verification event owed to `streamId` only, as the verification endpoint records one. */
function verification(streamId: string, state: string): Promise<number> {
  return t.app.get(DataSource).transaction(async (manager) => {
    const event = await t.app.get(SecurityEventsService).record(
      manager,
      {
        type: EVENT_TYPES.verification,
        userId: null,
        detail: { sub_id: { format: 'opaque', id: streamId }, txn: randomUUID(), event: { state } },
      },
      streamId,
    );
    return event.id;
  });
}

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  clock = controlClock(t);
  deliveries = t.app.get(DeliveriesService);
  adminJwt = await accessTokenFor(t, ADMIN);
});
afterAll(async () => {
  clock.restore();
  await t.close();
});

it('lists a stream’s deliveries oldest event first, with their events, up to the number asked', async () => {
  const stream = await newStream();
  const other = await newStream();
  const ids = [];
  for (const state of ['one', 'two', 'three']) ids.push(await verification(stream, state));
  await verification(other, 'elsewhere');

  const all = await deliveries.pending(stream, 10);
  expect(all.map((delivery) => delivery.eventId)).toEqual(ids);
  expect(all.map((delivery) => delivery.event.detail.event)).toEqual([
    { state: 'one' },
    { state: 'two' },
    { state: 'three' },
  ]);
  expect(new Set(all.map((delivery) => delivery.jti)).size).toBe(3);
  expect(all.every((delivery) => delivery.attempts === 0)).toBe(true);

  expect((await deliveries.pending(stream, 2)).map((delivery) => delivery.eventId)).toEqual(
    ids.slice(0, 2),
  );
  expect(await deliveries.pending(stream, 0)).toEqual([]);
  expect(await deliveries.pending(randomUUID(), 10)).toEqual([]);
});

it('removes acknowledged deliveries of the stream only, and counts them', async () => {
  const stream = await newStream();
  const other = await newStream();
  await verification(stream, 'a');
  await verification(stream, 'b');
  await verification(other, 'c');
  const [first, second] = await deliveries.pending(stream, 10);
  const [foreign] = await deliveries.pending(other, 10);

  expect(await deliveries.acknowledge(stream, [first.jti, foreign.jti, randomUUID()])).toBe(1);
  expect((await deliveries.pending(stream, 10)).map((delivery) => delivery.jti)).toEqual([
    second.jti,
  ]);
  expect(await deliveries.pending(other, 10)).toHaveLength(1);
  expect(await deliveries.acknowledge(stream, [first.jti])).toBe(0);
  expect(await deliveries.acknowledge(stream, [])).toBe(0);
});

it('drops a refused delivery, and puts a failed one off with its attempts counted', async () => {
  const stream = await newStream();
  await verification(stream, 'refused');
  await verification(stream, 'failed');
  const [refused, failed] = await deliveries.pending(stream, 10);

  await deliveries.drop(stream, refused.jti, 'invalid_key');
  const later = new Date(clock.nowMs() + 60_000);
  await deliveries.retryLater(stream, failed.eventId, 3, later);

  const [left, ...rest] = await deliveries.pending(stream, 10);
  expect(rest).toEqual([]);
  expect(left.jti).toBe(failed.jti);
  expect(left.attempts).toBe(3);
  expect(left.nextAttemptAt.getTime()).toBe(later.getTime());
});

it('drops every delivery of a stream in the caller’s transaction', async () => {
  const stream = await newStream();
  const other = await newStream();
  await verification(stream, 'x');
  await verification(other, 'y');

  await t.db.transaction((manager) => deliveries.dropAll(manager, stream));

  expect(await deliveries.pending(stream, 10)).toEqual([]);
  expect(await t.db.getRepository(SsfDelivery).countBy({ streamId: other })).toBe(1);
});

it('tells how long the oldest undelivered event has waited, by the app’s clock', async () => {
  const stream = await newStream();
  expect(await deliveries.oldestUndeliveredAge(stream)).toBeNull();

  await verification(stream, 'old');
  clock.advance(5_000);
  await verification(stream, 'new');
  clock.advance(2_000);

  const age = await deliveries.oldestUndeliveredAge(stream);
  expect(age).toBeGreaterThanOrEqual(7_000);
  expect(age).toBeLessThan(7_000 + 5_000);

  const [oldest] = await deliveries.pending(stream, 1);
  await deliveries.acknowledge(stream, [oldest.jti]);
  const newer = await deliveries.oldestUndeliveredAge(stream);
  expect(newer).toBeGreaterThanOrEqual(2_000);
  expect(newer).toBeLessThan(7_000);
});
