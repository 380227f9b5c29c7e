import { basic, startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor } from '../support/credentials.js';
import { registerUser, uniqueName } from '../support/fixtures.js';

/**
 * No text a client sends reaches the database with a NUL character in it: PostgreSQL refuses one
 * (a 500, had the statement run) where SQLite stores it. A NUL in a service client's id is no
 * client (401 invalid_client, as RFC 6749 has it, and 404 on the admin routes naming one), in a
 * query a 400 naming the field, in a form body an `invalid_request`: on both databases alike.
 */

const ADMIN = { username: 'nul-admin', password: 'nul-admin-password' };
const FORM = 'application/x-www-form-urlencoded';

let t: TestApp;
let adminJwt: string;
let client: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  adminJwt = await accessTokenFor(t, ADMIN);
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', `Bearer ${adminJwt}`)
    .send({ name: 'orders' });
  expect(res.status).toBe(201);
  client = res.body as typeof client;
});

afterAll(() => t?.close());

const asAdmin = () => `Bearer ${adminJwt}`;

function oauth2(route: 'introspect' | 'revoke', authorization: string, body: string) {
  return t
    .http()
    .post(`/oauth2/${route}`)
    .set('Authorization', authorization)
    .set('Content-Type', FORM)
    .send(body);
}

describe('a NUL in a service client id', () => {
  /** Client ids with a NUL, raw in the Basic credentials or form-encoded as RFC 6749 §2.3.1 has them. */
  const nulIds = () => [
    '\0',
    `\0${client.clientId}`,
    `${client.clientId}\0`,
    `%00${client.clientId}`,
    `${client.clientId}%00`,
    `${client.clientId.slice(0, 10)}%00${client.clientId.slice(10)}`,
  ];

  it.each(['introspect', 'revoke'] as const)(
    'is no client at /oauth2/%s: 401 invalid_client with its challenge',
    async (route) => {
      const user = await registerUser(t, uniqueName('nul'), 'correct-horse-battery');
      const token = await accessTokenFor(t, user);
      for (const id of nulIds()) {
        const res = await oauth2(
          route,
          basic(id, client.clientSecret),
          new URLSearchParams({ token }).toString(),
        );
        expect([JSON.stringify(id), res.status]).toEqual([JSON.stringify(id), 401]);
        expect(res.body).toEqual({ error: 'invalid_client' });
        expect(res.headers['www-authenticate']).toBe('Basic realm="gatehouse"');
      }
      // The client itself still works, and the token was not revoked on the way.
      const live = await oauth2(
        'introspect',
        basic(client.clientId, client.clientSecret),
        new URLSearchParams({ token }).toString(),
      );
      expect(live.status).toBe(200);
      expect(live.body.active).toBe(true);
    },
  );

  it('names no client on any admin client route: 404', async () => {
    for (const id of ['%00', `${encodeURIComponent(client.clientId)}%00`, `%00abc`]) {
      for (const res of [
        await t
          .http()
          .patch(`/api/admin/clients/${id}`)
          .set('Authorization', asAdmin())
          .send({ enabled: false }),
        await t.http().post(`/api/admin/clients/${id}/secret`).set('Authorization', asAdmin()),
        await t.http().delete(`/api/admin/clients/${id}`).set('Authorization', asAdmin()),
      ]) {
        expect(res.status).toBe(404);
        expect(JSON.stringify(res.body)).toContain('No service client has this id');
      }
    }
    // Nothing changed: the client is there, enabled, with its secret.
    const list = await t.http().get('/api/admin/clients').set('Authorization', asAdmin());
    expect(list.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: client.clientId, enabled: true }),
      ]),
    );
  });
});

describe('a NUL elsewhere in what a client sends', () => {
  it('in a form body is invalid_request at /oauth2/introspect and /oauth2/revoke', async () => {
    const by = basic(client.clientId, client.clientSecret);
    for (const route of ['introspect', 'revoke'] as const) {
      for (const body of ['token=a%00b', 'token=x&to%00ken=y']) {
        const res = await oauth2(route, by, body);
        expect([route, body, res.status]).toEqual([route, body, 400]);
        expect(res.body).toEqual({ error: 'invalid_request' });
      }
    }
  });

  it('in a query is a 400 in the route’s dialect, whatever the field', async () => {
    for (const query of ['q=a%00', 'type=login%00', 'api=%00', 'unknown%00=1']) {
      const path = query.startsWith('q=') ? '/api/admin/users' : '/api/admin/audit-events';
      const res = await t.http().get(`${path}?${query}`).set('Authorization', asAdmin());
      expect([query, res.status]).toEqual([query, 400]);
      expect(JSON.stringify(res.body)).toMatch(/must not contain NUL characters/);
    }
  });
});
