import { randomUUID } from 'node:crypto';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor } from '../support/credentials.js';
import { sql } from '../support/fixtures.js';
import {
  createStream,
  newReceiver,
  POLL,
  PUSH,
  recordUserEvent,
  verifySet,
} from '../support/ssf.js';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../../src/security-events/event-types.js';
import { StreamAuthorizations } from '../../src/ssf/stream-authorizations.service.js';

/**
 * The Shared Signals transmitter as a receiver meets it (SSF 1.0): its metadata, its one stream
 * managed by its own client credentials and by no other client's, status and verification, and
 * errors in one shape, never a 500.
 */

const ADMIN = { username: 'the-admin', password: 'admin-password-1' };
const PUBLIC_URL = 'https://gatehouse.example.test';
const ISSUER = 'https://issuer.example.test';
const PUSH_AUTHORIZATION = 'Bearer receiver-secret-7f3a9c';

let t: TestApp;
let clock: TestClock;
let adminJwt: string;

const newClient = () => newReceiver(t, adminJwt);

function expectSsfError(
  res: { status: number; body: unknown; headers: Record<string, string> },
  status: number,
  err: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ err, description: expect.any(String) });
}

beforeAll(async () => {
  t = await startTestApp({
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PUBLIC_URL,
    JWT_ISSUER: ISSUER,
  });
  clock = controlClock(t);
  adminJwt = await accessTokenFor(t, ADMIN);
});
afterAll(async () => {
  clock.restore();
  await t.close();
});

describe('GET /.well-known/ssf-configuration', () => {
  it('names the transmitter’s endpoints from PUBLIC_URL, never Host, for anyone', async () => {
    const res = await t.http().get('/.well-known/ssf-configuration').set('Host', 'evil.test');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(res.body).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${PUBLIC_URL}/.well-known/jwks.json`,
      delivery_methods_supported: [PUSH, POLL],
      configuration_endpoint: `${PUBLIC_URL}/ssf/streams`,
      status_endpoint: `${PUBLIC_URL}/ssf/status`,
      verification_endpoint: `${PUBLIC_URL}/ssf/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6749' }],
      default_subjects: 'ALL',
    });
  });
});

describe('client authentication', () => {
  it('answers 401 with a challenge without the credentials of an enabled service client', async () => {
    const receiver = await newClient();
    const stream = await createStream(t, receiver);
    const attempts = [
      undefined,
      basic(receiver.clientId, 'not-the-secret'),
      basic('nobody', receiver.clientSecret),
      `Bearer ${adminJwt}`,
    ];
    for (const authorization of attempts) {
      const req = t.http().get('/ssf/streams');
      if (authorization) req.set('Authorization', authorization);
      const res = await req;
      expectSsfError(res, 401, 'authentication_failed');
      expect(res.headers['www-authenticate']).toBe('Basic realm="gatehouse"');
    }
    const disabled = await t
      .http()
      .patch(`/api/admin/clients/${receiver.clientId}`)
      .set('Authorization', `Bearer ${adminJwt}`)
      .send({ enabled: false });
    expect(disabled.status).toBe(200);
    for (const [method, path] of [
      ['get', `/ssf/streams?stream_id=${stream.stream_id}`],
      ['post', `/ssf/poll/${stream.stream_id}`],
      ['post', '/ssf/verify'],
      ['get', `/ssf/status?stream_id=${stream.stream_id}`],
    ] as const) {
      const res = await t.http()[method](path).set('Authorization', receiver.auth).send({});
      expectSsfError(res, 401, 'authentication_failed');
    }
  });

  it('takes the client’s own token (scope ssf) instead of its secret, until it expires', async () => {
    const receiver = await newClient();
    const stream = await createStream(t, receiver);
    const issued = await t
      .http()
      .post('/oauth2/token')
      .set('Authorization', receiver.auth)
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'ssf' });
    expect(issued.status).toBe(200);
    const bearer = `Bearer ${(issued.body as { access_token: string }).access_token}`;
    const read = await t.http().get('/ssf/streams').set('Authorization', bearer);
    expect(read.status).toBe(200);
    expect((read.body as { stream_id: string }[]).map((s) => s.stream_id)).toEqual([
      stream.stream_id,
    ]);
    const polled = await t
      .http()
      .post(`/ssf/poll/${stream.stream_id}`)
      .set('Authorization', bearer)
      .send({ returnImmediately: true });
    expect(polled.status).toBe(200);
    clock.advance(300_000);
    const expired = await t.http().get('/ssf/streams').set('Authorization', bearer);
    expectSsfError(expired, 401, 'authentication_failed');
  });
});

describe('stream management', () => {
  it('creates one polled stream per client, with the events asked for that Gatehouse sends', async () => {
    const receiver = await newClient();
    const asked = [
      EVENT_TYPES.sessionRevoked,
      'https://example.test/not-an-event',
      EVENT_TYPES.accountDisabled,
    ];
    const res = await t
      .http()
      .post('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ delivery: { method: POLL }, events_requested: asked, description: 'Orders' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const id = res.body.stream_id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({
      stream_id: id,
      iss: ISSUER,
      aud: receiver.clientId,
      events_supported: SUBSCRIBABLE_EVENT_TYPES,
      events_requested: asked,
      events_delivered: [EVENT_TYPES.sessionRevoked, EVENT_TYPES.accountDisabled],
      delivery: { method: POLL, endpoint_url: `${PUBLIC_URL}/ssf/poll/${id}` },
      min_verification_interval: 10,
      description: 'Orders',
    });

    const again = await t
      .http()
      .post('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ delivery: { method: POLL } });
    expectSsfError(again, 409, 'conflict');

    const one = await t
      .http()
      .get(`/ssf/streams?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(res.body);
    const all = await t.http().get('/ssf/streams').set('Authorization', receiver.auth);
    expect(all.status).toBe(200);
    expect(all.body).toEqual([res.body]);

    const status = await t
      .http()
      .get(`/ssf/status?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ stream_id: id, status: 'enabled' });
  });

  it('lists no stream for a client without one, and knows no stream of an unknown id', async () => {
    const receiver = await newClient();
    const all = await t.http().get('/ssf/streams').set('Authorization', receiver.auth);
    expect(all.status).toBe(200);
    expect(all.body).toEqual([]);
    for (const id of [randomUUID(), 'not-a-stream-id']) {
      const res = await t
        .http()
        .get(`/ssf/streams?stream_id=${id}`)
        .set('Authorization', receiver.auth);
      expectSsfError(res, 404, 'not_found');
    }
  });

  it('takes a push stream’s Authorization header, keeps it sealed and never answers it', async () => {
    const receiver = await newClient();
    const created = await createStream(t, receiver, {
      delivery: {
        method: PUSH,
        endpoint_url: 'https://receiver.example.test/events',
        authorization_header: PUSH_AUTHORIZATION,
      },
      events_requested: [EVENT_TYPES.credentialChange],
    });
    const id = created.stream_id;
    expect(created.delivery).toEqual({
      method: PUSH,
      endpoint_url: 'https://receiver.example.test/events',
    });

    const [row] = await sql(t, 'SELECT * FROM "ssf_stream" WHERE "id" = $1', [id]);
    const sealed = String(row.sealedAuthorization);
    expect(sealed).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('receiver-secret');
    // Opened for the push of this stream only: copied to another stream's row, it opens nothing.
    const authorizations = t.app.get(StreamAuthorizations);
    expect(authorizations.open(id, sealed)).toBe(PUSH_AUTHORIZATION);
    expect(() => authorizations.open(randomUUID(), sealed)).toThrow();

    const answers = [
      created,
      (await t.http().get(`/ssf/streams?stream_id=${id}`).set('Authorization', receiver.auth)).body,
      (await t.http().get('/ssf/streams').set('Authorization', receiver.auth)).body,
      (
        await t
          .http()
          .patch('/ssf/streams')
          .set('Authorization', receiver.auth)
          .send({ stream_id: id, description: 'renamed' })
      ).body,
    ];
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain('receiver-secret');

    // An update that says nothing of it keeps it; null removes it.
    const kept = await t
      .http()
      .patch('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({
        stream_id: id,
        delivery: { method: PUSH, endpoint_url: 'https://receiver.example.test/v2' },
      });
    expect(kept.status).toBe(200);
    expect(kept.body.delivery).toEqual({
      method: PUSH,
      endpoint_url: 'https://receiver.example.test/v2',
    });
    const [keptRow] = await sql(
      t,
      'SELECT "sealedAuthorization" FROM "ssf_stream" WHERE "id" = $1',
      [id],
    );
    expect(keptRow.sealedAuthorization).toBe(row.sealedAuthorization);
    const removed = await t
      .http()
      .patch('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, delivery: { method: PUSH, authorization_header: null } });
    expect(removed.status).toBe(200);
    const [removedRow] = await sql(
      t,
      'SELECT "sealedAuthorization" FROM "ssf_stream" WHERE "id" = $1',
      [id],
    );
    expect(removedRow.sealedAuthorization).toBeNull();

    const audit = await t
      .http()
      .get('/api/admin/audit-events?type=ssf.stream.change&limit=500')
      .set('Authorization', `Bearer ${adminJwt}`);
    expect(audit.status).toBe(200);
    const mine = (audit.body.items as { detail: Record<string, unknown> }[]).filter(
      (event) => event.detail.streamId === id,
    );
    // Newest first.
    expect(mine.map((event) => event.detail.action)).toEqual([
      'update',
      'update',
      'update',
      'create',
    ]);
    expect(mine.every((event) => event.detail.client === receiver.name)).toBe(true);
    expect(JSON.stringify(audit.body)).not.toContain('receiver-secret');
  });

  it('refuses a push stream without an http(s) endpoint_url', async () => {
    const receiver = await newClient();
    for (const delivery of [
      { method: PUSH },
      { method: PUSH, endpoint_url: 'ftp://receiver.example.test/events' },
      { method: PUSH, endpoint_url: 'javascript:alert(1)' },
      { method: PUSH, endpoint_url: 'not a url' },
      {
        method: PUSH,
        endpoint_url: 'https://receiver.example.test/',
        authorization_header: 'Bearer a\r\nX-Injected: 1',
      },
    ]) {
      const res = await t
        .http()
        .post('/ssf/streams')
        .set('Authorization', receiver.auth)
        .send({ delivery });
      expectSsfError(res, 400, 'invalid_request');
    }
    const all = await t.http().get('/ssf/streams').set('Authorization', receiver.auth);
    expect(all.body).toEqual([]);
  });

  it('updates what PATCH gives, replaces the whole with PUT, and switches delivery methods', async () => {
    const receiver = await newClient();
    const { stream_id: id } = await createStream(t, receiver, {
      delivery: { method: POLL },
      events_requested: [EVENT_TYPES.sessionRevoked],
      description: 'First',
    });

    const patched = await t
      .http()
      .patch('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({
        stream_id: id,
        events_requested: [EVENT_TYPES.accountPurged, EVENT_TYPES.accountPurged],
      });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events_requested: [EVENT_TYPES.accountPurged],
      events_delivered: [EVENT_TYPES.accountPurged],
      description: 'First',
      delivery: { method: POLL, endpoint_url: `${PUBLIC_URL}/ssf/poll/${id}` },
    });

    const pushed = await t
      .http()
      .put('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({
        stream_id: id,
        delivery: { method: PUSH, endpoint_url: 'http://receiver.internal:8080/ssf' },
      });
    expect(pushed.status).toBe(200);
    expect(pushed.body.events_requested).toEqual([]);
    expect(pushed.body.events_delivered).toEqual([]);
    expect(pushed.body.description).toBeUndefined();
    expect(pushed.body.delivery).toEqual({
      method: PUSH,
      endpoint_url: 'http://receiver.internal:8080/ssf',
    });

    const polled = await t
      .http()
      .patch('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, delivery: { method: POLL, endpoint_url: 'https://elsewhere.test/' } });
    expect(polled.status).toBe(200);
    expect(polled.body.delivery).toEqual({
      method: POLL,
      endpoint_url: `${PUBLIC_URL}/ssf/poll/${id}`,
    });

    const nulls = await t
      .http()
      .patch('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, delivery: null, events_requested: null, description: null });
    expect(nulls.status).toBe(200);
    expect(nulls.body).toEqual({ ...polled.body, description: undefined });

    const missing = await t
      .http()
      .put('/ssf/streams')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id });
    expectSsfError(missing, 400, 'invalid_request');
  });

  it('deletes the stream and every event still owed to it', async () => {
    const receiver = await newClient();
    const { stream_id: id } = await createStream(t, receiver, {
      delivery: { method: POLL },
      events_requested: [EVENT_TYPES.credentialChange],
    });
    await recordUserEvent(t, 1);
    expect(await sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1', [id])).toHaveLength(
      1,
    );

    const noId = await t.http().delete('/ssf/streams').set('Authorization', receiver.auth);
    expectSsfError(noId, 400, 'invalid_request');
    const res = await t
      .http()
      .delete(`/ssf/streams?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect(await sql(t, 'SELECT * FROM "ssf_delivery" WHERE "streamId" = $1', [id])).toEqual([]);
    const gone = await t
      .http()
      .get(`/ssf/streams?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expectSsfError(gone, 404, 'not_found');
    const again = await t
      .http()
      .delete(`/ssf/streams?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expectSsfError(again, 404, 'not_found');
    // The client may start afresh.
    await createStream(t, receiver);
  });

  it('goes with its client when the admin deletes the client', async () => {
    const receiver = await newClient();
    const { stream_id: id } = await createStream(t, receiver);
    const res = await t
      .http()
      .delete(`/api/admin/clients/${receiver.clientId}`)
      .set('Authorization', `Bearer ${adminJwt}`);
    expect(res.status).toBe(204);
    expect(await sql(t, 'SELECT * FROM "ssf_stream" WHERE "id" = $1', [id])).toEqual([]);
  });
});

describe('one client, one stream of its own', () => {
  it('answers another client’s stream as no stream, and changes nothing of it', async () => {
    const owner = await newClient();
    const other = await newClient();
    const { stream_id: id } = await createStream(t, owner, {
      delivery: { method: POLL },
      description: 'Owner’s',
    });
    const before = await sql(t, 'SELECT * FROM "ssf_stream" WHERE "id" = $1', [id]);

    const attempts = [
      t.http().get(`/ssf/streams?stream_id=${id}`),
      t.http().patch('/ssf/streams').send({ stream_id: id, description: 'mine now' }),
      t
        .http()
        .put('/ssf/streams')
        .send({ stream_id: id, delivery: { method: POLL } }),
      t.http().delete(`/ssf/streams?stream_id=${id}`),
      t.http().get(`/ssf/status?stream_id=${id}`),
      t.http().post('/ssf/status').send({ stream_id: id, status: 'disabled' }),
      t.http().post('/ssf/verify').send({ stream_id: id }),
      t.http().post(`/ssf/poll/${id}`).send({ returnImmediately: true }),
    ];
    for (const attempt of attempts) {
      const res = await attempt.set('Authorization', other.auth);
      expectSsfError(res, 404, 'not_found');
      // The same answer as for an id that was never a stream's.
      expect(res.body.description).toBe('This client has no stream with this stream_id');
    }
    const list = await t.http().get('/ssf/streams').set('Authorization', other.auth);
    expect(list.body).toEqual([]);
    expect(await sql(t, 'SELECT * FROM "ssf_stream" WHERE "id" = $1', [id])).toEqual(before);
  });
});

describe('status', () => {
  it('pauses, disables and enables a stream, with the reason given', async () => {
    const receiver = await newClient();
    const { stream_id: id } = await createStream(t, receiver);
    const paused = await t
      .http()
      .post('/ssf/status')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, status: 'paused', reason: 'Maintenance' });
    expect(paused.status).toBe(200);
    expect(paused.body).toEqual({ stream_id: id, status: 'paused', reason: 'Maintenance' });
    const read = await t
      .http()
      .get(`/ssf/status?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expect(read.body).toEqual({ stream_id: id, status: 'paused', reason: 'Maintenance' });

    for (const status of ['disabled', 'enabled']) {
      const res = await t
        .http()
        .post('/ssf/status')
        .set('Authorization', receiver.auth)
        .send({ stream_id: id, status });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ stream_id: id, status });
    }
  });
});

describe('verification', () => {
  it('sends a verification event with the state to this stream alone, at most once per interval', async () => {
    const receiver = await newClient();
    const bystander = await newClient();
    const { stream_id: id } = await createStream(t, receiver);
    const { stream_id: otherId } = await createStream(t, bystander, {
      delivery: { method: POLL },
      events_requested: [...SUBSCRIBABLE_EVENT_TYPES],
    });

    const res = await t
      .http()
      .post('/ssf/verify')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, state: 'state-one' });
    expect(res.status).toBe(204);

    const tooSoon = await t
      .http()
      .post('/ssf/verify')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, state: 'state-two' });
    expectSsfError(tooSoon, 429, 'too_many_requests');
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);

    const polled = await t
      .http()
      .post(`/ssf/poll/${id}`)
      .set('Authorization', receiver.auth)
      .send({ returnImmediately: true });
    expect(polled.status).toBe(200);
    const sets = Object.entries(polled.body.sets as Record<string, string>);
    expect(sets).toHaveLength(1);
    const [[jti, set]] = sets;
    const payload = await verifySet(t, set, receiver.clientId);
    expect(payload.jti).toBe(jti);
    expect(payload.sub_id).toEqual({ format: 'opaque', id });
    expect(payload.events).toEqual({ [EVENT_TYPES.verification]: { state: 'state-one' } });

    const elsewhere = await t
      .http()
      .post(`/ssf/poll/${otherId}`)
      .set('Authorization', bystander.auth)
      .send({ returnImmediately: true });
    expect(elsewhere.body).toEqual({ sets: {}, moreAvailable: false });

    clock.advance(10_000);
    const later = await t
      .http()
      .post('/ssf/verify')
      .set('Authorization', receiver.auth)
      .send({ stream_id: id, state: null });
    expect(later.status).toBe(204);
    const next = await t
      .http()
      .post(`/ssf/poll/${id}`)
      .set('Authorization', receiver.auth)
      .send({ returnImmediately: true, ack: [jti] });
    const [nextSet] = Object.values(next.body.sets as Record<string, string>);
    const nextPayload = await verifySet(t, nextSet, receiver.clientId);
    expect(nextPayload.events).toEqual({ [EVENT_TYPES.verification]: {} });
  });
});

describe('bad requests', () => {
  it('answers every malformed body or query 400 in the SSF shape, never 500', async () => {
    const receiver = await newClient();
    const { stream_id: id } = await createStream(t, receiver);
    const bad: [string, string, unknown][] = [
      ['post', '/ssf/streams', {}],
      ['post', '/ssf/streams', []],
      ['post', '/ssf/streams', { delivery: 'push' }],
      ['post', '/ssf/streams', { delivery: { method: 'urn:example:carrier-pigeon' } }],
      ['post', '/ssf/streams', { delivery: { method: POLL }, events_requested: 'all' }],
      ['post', '/ssf/streams', { delivery: { method: POLL }, events_requested: [1, 2] }],
      ['post', '/ssf/streams', { delivery: { method: POLL }, description: 'x'.repeat(257) }],
      ['patch', '/ssf/streams', { description: 'no id' }],
      ['patch', '/ssf/streams', { stream_id: 42 }],
      ['patch', '/ssf/streams', { stream_id: id, delivery: { method: PUSH, endpoint_url: 7 } }],
      ['put', '/ssf/streams', { stream_id: id, delivery: null }],
      ['post', '/ssf/status', { stream_id: id, status: 'on' }],
      ['post', '/ssf/status', { stream_id: id }],
      ['post', '/ssf/status', { stream_id: id, status: 'paused', reason: ['x'] }],
      ['post', '/ssf/verify', {}],
      ['post', '/ssf/verify', { stream_id: id, state: { a: 1 } }],
      ['post', `/ssf/poll/${id}`, { maxEvents: -1 }],
      ['post', `/ssf/poll/${id}`, { maxEvents: 'ten' }],
      ['post', `/ssf/poll/${id}`, { maxEvents: 1.5 }],
      ['post', `/ssf/poll/${id}`, { maxEvents: 100_000 }],
      ['post', `/ssf/poll/${id}`, { returnImmediately: 'yes' }],
      ['post', `/ssf/poll/${id}`, { ack: 'jti' }],
      ['post', `/ssf/poll/${id}`, { ack: [1] }],
      ['post', `/ssf/poll/${id}`, { setErrs: [] }],
      ['post', `/ssf/poll/${id}`, { setErrs: { jti: 'invalid_key' } }],
      ['post', `/ssf/poll/${id}`, { setErrs: { jti: { description: 'no err' } } }],
      ['post', '/ssf/streams', { delivery: { method: POLL }, description: 'a\u0000b' }],
      ['post', '/ssf/verify', { stream_id: id, state: 'x\udfffy' }],
      ['post', `/ssf/poll/${id}`, { ack: ['a\u0000b'] }],
    ];
    for (const [method, path, body] of bad) {
      const res = await t
        .http()
        [method as 'post'](path)
        .set('Authorization', receiver.auth)
        .send(body as object);
      expect({ method, path, body, status: res.status }).toEqual({
        method,
        path,
        body,
        status: 400,
      });
      expectSsfError(res, 400, 'invalid_request');
    }
    const notJson = await t
      .http()
      .post('/ssf/streams')
      .set('Authorization', receiver.auth)
      .set('Content-Type', 'application/json')
      .send('{"delivery":');
    expectSsfError(notJson, 400, 'invalid_request');
    const status = await t.http().get('/ssf/status').set('Authorization', receiver.auth);
    expectSsfError(status, 400, 'invalid_request');
    const nul = await t
      .http()
      .get('/ssf/status?stream_id=a%00b')
      .set('Authorization', receiver.auth);
    expectSsfError(nul, 400, 'invalid_request');
    for (const path of [
      '/ssf/poll/a%00b',
      '/ssf/poll/%F0%9F%94%91',
      `/ssf/poll/${id.toUpperCase()}`,
    ]) {
      const res = await t.http().post(path).set('Authorization', receiver.auth).send({});
      expectSsfError(res, 404, 'not_found');
    }
    const config = await t
      .http()
      .get(`/ssf/streams?stream_id=${id}`)
      .set('Authorization', receiver.auth);
    expect(config.body.delivery).toEqual({
      method: POLL,
      endpoint_url: `${PUBLIC_URL}/ssf/poll/${id}`,
    });
  });
});
