import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';
import { EVENT_TYPES, type EventType } from '../../src/security-events/event-types.js';
import { SecurityEventsService } from '../../src/security-events/security-events.service.js';
import { basic, type TestApp } from './app.js';
import { uniqueName } from './fixtures.js';

/** A receiver of shared signals: a service client, as the admin API registers one. */
export interface Receiver {
  clientId: string;
  clientSecret: string;
  name: string;
  /** Its Basic `Authorization` value. */
  auth: string;
}

export const PUSH = 'urn:ietf:rfc:8935';
export const POLL = 'urn:ietf:rfc:8936';
export const SET_TYPE = 'secevent+jwt';

export async function newReceiver(t: TestApp, adminJwt: string): Promise<Receiver> {
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', `Bearer ${adminJwt}`)
    .send({ name: uniqueName('receiver') });
  expect(res.status).toBe(201);
  const client = res.body as Omit<Receiver, 'auth'>;
  return { ...client, auth: basic(client.clientId, client.clientSecret) };
}

/** A user as an event's subject names them (RFC 9493 `iss_sub`, the app's issuer). */
export function issSub(t: TestApp, userId: number) {
  return { format: 'iss_sub', iss: t.config.jwt.issuer, sub: String(userId) };
}

/** A session as an event's subject names it: its user, and its id as an opaque subject. */
export function sessionOf(t: TestApp, userId: number, id: string) {
  return { format: 'complex', user: issSub(t, userId), session: { format: 'opaque', id } };
}

/** Creates the receiver's stream; answers its configuration. */
export async function createStream(
  t: TestApp,
  receiver: Receiver,
  body: Record<string, unknown> = { delivery: { method: POLL } },
): Promise<Record<string, unknown> & { stream_id: string }> {
  const res = await t.http().post('/ssf/streams').set('Authorization', receiver.auth).send(body);
  expect(res.status).toBe(201);
  return res.body as Record<string, unknown> & { stream_id: string };
}

/** Sets the status of the receiver's stream (`enabled`, `paused`, `disabled`), as its receiver does. */
export async function setStreamStatus(
  t: TestApp,
  receiver: Receiver,
  streamId: string,
  status: string,
): Promise<void> {
  const res = await t
    .http()
    .post('/ssf/status')
    .set('Authorization', receiver.auth)
    .send({ stream_id: streamId, status });
  expect(res.status).toBe(200);
}

/**
 * Records a user's event as a change of the user's would, in a transaction of its own, for every
 * stream that asked for its type.
 */
export function recordUserEvent(
  t: TestApp,
  userId: number,
  type: EventType = EVENT_TYPES.credentialChange,
  members: Record<string, unknown> = { credential_type: 'password', change_type: 'update' },
): Promise<number> {
  return t.app.get(DataSource).transaction(async (manager) => {
    const event = await t.app.get(SecurityEventsService).record(manager, {
      type,
      userId,
      detail: {
        sub_id: { format: 'iss_sub', iss: t.config.jwt.issuer, sub: String(userId) },
        txn: randomUUID(),
        event: members,
      },
    });
    return event.id;
  });
}

/**
 * A receiver's check of a SET, on its own: the signature against the app's published key set,
 * the media type, the issuer and the audience (the receiver's client id), by jose.
 */
export async function verifySet(
  t: TestApp,
  set: string,
  audience: string,
): Promise<JWTPayload & { events: Record<string, Record<string, unknown>>; sub_id: unknown }> {
  const jwks = (await t.http().get('/.well-known/jwks.json')).body as JSONWebKeySet;
  const { payload, protectedHeader } = await jwtVerify(set, createLocalJWKSet(jwks), {
    issuer: t.config.jwt.issuer,
    audience,
    typ: SET_TYPE,
  });
  expect(protectedHeader.typ).toBe(SET_TYPE);
  expect(typeof payload.jti).toBe('string');
  expect(typeof payload.iat).toBe('number');
  expect(typeof payload.txn).toBe('string');
  expect(payload.exp).toBeUndefined();
  return payload as JWTPayload & {
    events: Record<string, Record<string, unknown>>;
    sub_id: unknown;
  };
}
