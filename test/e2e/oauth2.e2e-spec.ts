import { execFile } from 'node:child_process';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { basic, startListeningTestApp, startTestApp, type TestApp } from '../support/app.js';
import { controlClock } from '../support/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  accessTokenFor,
  sessionFor,
  SESSION_COOKIE,
  tokenStatus,
  userTokenFor,
  type LiveSessionCredential,
} from '../support/credentials.js';
import { decodeJwt, registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import { scratchSchema, type ScratchSchema } from '../support/migrations.js';
import { CLI_JS } from '../support/server-process.js';
import { migrations } from '../../src/database/migrations/index.js';
import { ServiceClientEpoch1765100000000 } from '../../src/database/migrations/1765100000000-service-client-epoch.js';

/**
 * What a service meets with no Gatehouse code: server metadata, introspection (RFC 7662)
 * and revocation (RFC 7009) as their clients call them, the service clients that may call them,
 * and the one liveness rule behind every check.
 */

const PASSWORD = 'correct-horse-battery';
const ADMIN = { username: 'the-admin', password: 'admin-password-1' };
const FORM = 'application/x-www-form-urlencoded';

interface IssuedClient {
  clientId: string;
  clientSecret: string;
  name: string;
}

let t: TestApp;
let adminJwt: string;

const asAdmin = () => `Bearer ${adminJwt}`;
const newUser = () => registerUser(t, uniqueName('member'), PASSWORD);

async function createClient(name = uniqueName('svc')): Promise<IssuedClient> {
  const res = await t
    .http()
    .post('/api/admin/clients')
    .set('Authorization', asAdmin())
    .send({ name });
  expect(res.status).toBe(201);
  return res.body as IssuedClient;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function introspect(by: IssuedClient | string | null, token: string) {
  const req = t.http().post('/oauth2/introspect').set('Content-Type', FORM);
  if (by !== null)
    req.set('Authorization', typeof by === 'string' ? by : basic(by.clientId, by.clientSecret));
  return req.send(form({ token }));
}

/** `{active: false}` and nothing else, as RFC 7662 §2.2 wants for a dead token. */
async function expectInactive(by: IssuedClient, token: string) {
  const res = await introspect(by, token);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ active: false });
}

async function expectActive(by: IssuedClient, token: string) {
  const res = await introspect(by, token);
  expect(res.status).toBe(200);
  expect(res.body.active).toBe(true);
  return res.body as Record<string, unknown>;
}

async function expectInvalidClient(res: {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: 'invalid_client' });
  expect(res.headers['www-authenticate']).toBe('Basic realm="gatehouse"');
}

const sessionToken = (session: LiveSessionCredential) => `${session.sid}${session.secret}`;

function revoke(authorization: string | null, token: string, hint?: string) {
  const req = t.http().post('/oauth2/revoke').set('Content-Type', FORM);
  if (authorization) req.set('Authorization', authorization);
  return req.send(form(hint ? { token, token_type_hint: hint } : { token }));
}

async function disable(user: TestUser) {
  const res = await t
    .http()
    .patch(`/api/admin/users/${user.id}`)
    .set('Authorization', asAdmin())
    .send({ enabled: false });
  expect(res.status).toBe(200);
}

async function everyCredential(user: TestUser) {
  return {
    jwt: await accessTokenFor(t, user),
    userToken: await userTokenFor(t, user),
    session: sessionToken(await sessionFor(t, user)),
  };
}

describe('OAuth 2.0 for services', () => {
  let svc: IssuedClient;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    adminJwt = await accessTokenFor(t, ADMIN);
    svc = await createClient('orders');
  });
  afterAll(() => t.close());

  describe('POST /oauth2/introspect', () => {
    it('answers who a live access JWT, user token and session stand for', async () => {
      const user = await newUser();
      const { jwt, userToken, session } = await everyCredential(user);
      const claims = decodeJwt(jwt).payload;

      expect(await expectActive(svc, jwt)).toEqual({
        active: true,
        sub: String(user.id),
        username: user.username,
        scope: claims.scope,
        iat: claims.iat,
        exp: claims.exp,
        iss: t.config.jwt.issuer,
        token_type: 'Bearer',
        kind: 'access-jwt',
        privilege: 'user',
      });
      const byUserToken = await expectActive(svc, userToken);
      expect(byUserToken).toMatchObject({
        sub: String(user.id),
        username: user.username,
        token_type: 'Bearer',
        kind: 'user-token',
      });
      expect(byUserToken).not.toHaveProperty('exp');
      const bySession = await expectActive(svc, session);
      expect(bySession).toMatchObject({
        sub: String(user.id),
        username: user.username,
        token_type: 'session',
        kind: 'session',
      });
      expect(bySession.exp).toBeGreaterThan(Date.now() / 1000);
    });

    it('says {active: false} and nothing else for malformed and unknown credentials', async () => {
      for (const token of [
        'nonsense',
        'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl',
        crypto.randomUUID(),
        `1${'0'.repeat(64)}`,
        'x'.repeat(9_000),
      ])
        await expectInactive(svc, token);
    });

    it('follows the same liveness rules as the Security API: revoked, disabled user, password changed', async () => {
      const revoked = await newUser();
      const revokedJwt = await accessTokenFor(t, revoked);
      await t
        .http()
        .post('/api/admin/revoked-tokens')
        .set('Authorization', asAdmin())
        .send({ token: revokedJwt });
      expect(await tokenStatus(t, revokedJwt)).toBe('invalid');
      await expectInactive(svc, revokedJwt);

      const disabled = await newUser();
      const ofDisabled = await everyCredential(disabled);
      await disable(disabled);
      for (const token of Object.values(ofDisabled)) {
        await expectInactive(svc, token);
        expect(await tokenStatus(t, token)).toBe('invalid');
      }

      const changed = await newUser();
      const ofChanged = await everyCredential(changed);
      const res = await t
        .http()
        .post('/api/me/password')
        .set('Authorization', `Bearer ${await accessTokenFor(t, changed)}`)
        .send({ oldPassword: PASSWORD, newPassword: `${PASSWORD}-2` });
      expect(res.status).toBeLessThan(300);
      for (const token of Object.values(ofChanged)) await expectInactive(svc, token);
    });

    it('follows the Security API for sessions: valid while live, invalid once logged out', async () => {
      const user = await newUser();
      const session = await sessionFor(t, user);
      expect(await tokenStatus(t, sessionToken(session))).toBe('valid');
      const res = await t
        .http()
        .post(`/auth/logout/${session.sid}`)
        .set('Cookie', `${SESSION_COOKIE}=${session.secret}`);
      expect(res.status).toBeLessThan(300);
      expect(await tokenStatus(t, sessionToken(session))).toBe('invalid');
      await expectInactive(svc, sessionToken(session));
    });

    it('sees expiry: a user token and a session by the clock, an access JWT by its exp', async () => {
      const user = await newUser();
      const clock = controlClock(t);
      try {
        const expiring = await userTokenFor(
          t,
          user,
          'short',
          new Date(Date.now() + 60_000).toISOString(),
        );
        const session = sessionToken(await sessionFor(t, user));
        await expectActive(svc, expiring);
        await expectActive(svc, session);
        clock.advance(t.config.sessions.absoluteTimeoutMs + 60_000);
        await expectInactive(svc, expiring);
        await expectInactive(svc, session);
      } finally {
        clock.restore();
      }
      const jwt = await accessTokenFor(t, user);
      await expectActive(svc, jwt);
      vi.useFakeTimers({ toFake: ['Date'], now: (Number(decodeJwt(jwt).payload.exp) + 60) * 1000 });
      try {
        await expectInactive(svc, jwt);
      } finally {
        vi.useRealTimers();
      }
    });

    it('counts each check with the calling client named', async () => {
      const user = await newUser();
      await expectActive(svc, await accessTokenFor(t, user));
      const metrics = await t.http().get('/metrics');
      expect(metrics.text).toMatch(
        /gatehouse_token_checks_total\{kind="access-jwt",outcome="valid",service="orders"\} [1-9]/,
      );
    });

    it('refuses callers that are not an enabled client with 401 invalid_client', async () => {
      const user = await newUser();
      const jwt = await accessTokenFor(t, user);
      await expectInvalidClient(await introspect(null, jwt));
      await expectInvalidClient(await introspect({ ...svc, clientSecret: 'wrong' }, jwt));
      await expectInvalidClient(await introspect({ ...svc, clientId: 'no-such-client' }, jwt));
      await expectInvalidClient(await introspect(`Bearer ${jwt}`, jwt));
      await expectInvalidClient(await introspect(basic(user.username, PASSWORD), jwt));

      const other = await createClient();
      await expectActive(other, jwt);
      const off = await t
        .http()
        .patch(`/api/admin/clients/${other.clientId}`)
        .set('Authorization', asAdmin())
        .send({ enabled: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ clientId: other.clientId, enabled: false });
      await expectInvalidClient(await introspect(other, jwt));
    });

    it('refuses a client from the commit of any writer that disables it, though its answer was kept', async () => {
      const jwt = await accessTokenFor(t, await newUser());
      const other = await createClient();
      await expectActive(other, jwt);
      await sql(t, 'UPDATE "service_client" SET "enabled" = $1 WHERE "clientId" = $2', [
        false,
        other.clientId,
      ]);
      await expectInvalidClient(await introspect(other, jwt));
      await sql(t, 'UPDATE "service_client" SET "enabled" = $1 WHERE "clientId" = $2', [
        true,
        other.clientId,
      ]);
      await expectActive(other, jwt);
    });

    it('takes only a form with the token: 400 invalid_request without it', async () => {
      const res = await t
        .http()
        .post('/oauth2/introspect')
        .set('Authorization', basic(svc.clientId, svc.clientSecret))
        .set('Content-Type', FORM)
        .send('token_type_hint=access_token');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_request' });
      const twice = await t
        .http()
        .post('/oauth2/introspect')
        .set('Authorization', basic(svc.clientId, svc.clientSecret))
        .set('Content-Type', FORM)
        .send('token=a&token=b');
      expect(twice.status).toBe(400);
      expect(twice.body).toEqual({ error: 'invalid_request' });
    });

    it('leaves every other route refusing a form body', async () => {
      const res = await t
        .http()
        .post('/api/v1/security/token')
        .set('Content-Type', FORM)
        .send(form({ token: 'x', service: 'orders' }));
      expect(res.status).toBe(415);
    });
  });

  describe('POST /oauth2/revoke', () => {
    it('revokes an access JWT and a user token for a client: 200, empty, then inactive', async () => {
      const user = await newUser();
      const jwt = await accessTokenFor(t, user);
      const userToken = await userTokenFor(t, user);
      for (const token of [jwt, userToken]) {
        const res = await revoke(basic(svc.clientId, svc.clientSecret), token, 'access_token');
        expect(res.status).toBe(200);
        expect(res.text).toBe('');
        await expectInactive(svc, token);
        expect(await tokenStatus(t, token)).toBe('invalid');
      }
      const events = await sql(
        t,
        `SELECT * FROM "audit_event" WHERE "type" = 'token.revoke' AND "api" = 'oauth2' AND "userId" = $1`,
        [user.id],
      );
      expect(events).toHaveLength(2);
      const detail = (event: Record<string, unknown>) =>
        (typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail) as {
          kind: string;
          client?: string;
        };
      expect(events.map(detail)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'access-jwt', client: 'orders' }),
          expect.objectContaining({ kind: 'user-token', client: 'orders' }),
        ]),
      );
      expect(JSON.stringify(events)).not.toContain(userToken);
      const metrics = (await t.http().get('/metrics')).text;
      for (const kind of ['access-jwt', 'user-token']) {
        expect(metrics).toMatch(
          new RegExp(
            `gatehouse_token_revocations_total\\{kind="${kind}",service="orders"\\} [1-9]`,
          ),
        );
      }
    });

    it('deletes a user token that is dead only for now: enabling its user again does not bring it back', async () => {
      const user = await newUser();
      const userToken = await userTokenFor(t, user);
      const setEnabled = (enabled: boolean) =>
        t
          .http()
          .patch(`/api/admin/users/${user.id}`)
          .set('Authorization', asAdmin())
          .send({ enabled });
      expect((await setEnabled(false)).status).toBe(200);
      await expectInactive(svc, userToken);
      expect((await revoke(basic(svc.clientId, svc.clientSecret), userToken)).status).toBe(200);
      expect((await setEnabled(true)).status).toBe(200);
      await expectInactive(svc, userToken);
      expect(await tokenStatus(t, userToken)).toBe('invalid');
    });

    it('lets a token revoke itself, and no other token', async () => {
      const user = await newUser();
      const jwt = await accessTokenFor(t, user);
      const other = await accessTokenFor(t, user);
      await expectInvalidClient(await revoke(`Bearer ${other}`, jwt));
      await expectActive(svc, jwt);
      expect((await revoke(`Bearer ${jwt}`, jwt)).status).toBe(200);
      await expectInactive(svc, jwt);
      await expectActive(svc, other);

      const userToken = await userTokenFor(t, user);
      expect((await revoke(`Bearer ${userToken}`, userToken)).status).toBe(200);
      await expectInactive(svc, userToken);
    });

    it('answers 200 for unknown tokens, 401 for bad client auth, unsupported_token_type for a session', async () => {
      const client = basic(svc.clientId, svc.clientSecret);
      expect((await revoke(client, crypto.randomUUID())).status).toBe(200);
      expect((await revoke(client, 'garbage')).status).toBe(200);
      await expectInvalidClient(await revoke(null, crypto.randomUUID()));
      await expectInvalidClient(await revoke(basic(svc.clientId, 'wrong'), crypto.randomUUID()));

      const session = sessionToken(await sessionFor(t, await newUser()));
      const res = await revoke(client, session);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'unsupported_token_type' });
      await expectActive(svc, session);
    });
  });

  describe('/api/admin/clients', () => {
    it('creates, lists, rotates the secret of and deletes clients, audited, secrets shown once', async () => {
      const created = await createClient('billing');
      expect(created.clientId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const jwt = await accessTokenFor(t, await newUser());
      await expectActive(created, jwt);

      const listed = await t.http().get('/api/admin/clients').set('Authorization', asAdmin());
      expect(listed.status).toBe(200);
      const entry = (listed.body as Record<string, unknown>[]).find(
        (c) => c.clientId === created.clientId,
      );
      expect(entry).toMatchObject({ name: 'billing', enabled: true });
      expect(JSON.stringify(listed.body)).not.toContain(created.clientSecret);
      const [stored] = await sql(t, 'SELECT * FROM "service_client" WHERE "clientId" = $1', [
        created.clientId,
      ]);
      expect(JSON.stringify(stored)).not.toContain(created.clientSecret);

      const rotated = await t
        .http()
        .post(`/api/admin/clients/${created.clientId}/secret`)
        .set('Authorization', asAdmin());
      expect(rotated.status).toBe(201);
      expect(rotated.body.clientSecret).not.toBe(created.clientSecret);
      await expectInvalidClient(await introspect(created, jwt));
      await expectActive({ ...created, clientSecret: rotated.body.clientSecret }, jwt);

      const deleted = await t
        .http()
        .delete(`/api/admin/clients/${created.clientId}`)
        .set('Authorization', asAdmin());
      expect(deleted.status).toBe(204);
      await expectInvalidClient(
        await introspect({ ...created, clientSecret: rotated.body.clientSecret }, jwt),
      );

      const events = await sql(
        t,
        `SELECT * FROM "audit_event" WHERE "type" = 'admin.change' AND "detail" LIKE $1 ORDER BY "id"`,
        [`%${created.clientId}%`],
      );
      expect(events.map((e) => JSON.parse(String(e.detail)).action)).toEqual([
        'clients.create',
        'clients.secret',
        'clients.delete',
      ]);
      expect(events.every((e) => e.actorId !== null)).toBe(true);
      expect(JSON.stringify(events)).not.toContain(created.clientSecret);
    });

    it('answers 404 for an unknown client, 400 for a bad name, 401 and 403 to non-admins', async () => {
      const missing = await t
        .http()
        .patch('/api/admin/clients/nope')
        .set('Authorization', asAdmin())
        .send({ enabled: true });
      expect(missing.status).toBe(404);
      const missingDelete = await t
        .http()
        .delete('/api/admin/clients/nope')
        .set('Authorization', asAdmin());
      expect(missingDelete.status).toBe(404);
      const bad = await t
        .http()
        .post('/api/admin/clients')
        .set('Authorization', asAdmin())
        .send({ name: 'has spaces' });
      expect(bad.status).toBe(400);
      expect((await t.http().get('/api/admin/clients')).status).toBe(401);
      const user = await newUser();
      const forbidden = await t
        .http()
        .get('/api/admin/clients')
        .set('Authorization', `Bearer ${await accessTokenFor(t, user)}`);
      expect(forbidden.status).toBe(403);
    });
  });
});

describe('discovery, as a resource server library does it', () => {
  let issuer: string;

  beforeAll(async () => {
    ({ t, baseUrl: issuer } = await startListeningTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    }));
    adminJwt = await accessTokenFor(t, ADMIN);
  });
  afterAll(() => t.close());

  it('serves the same cacheable metadata at both names, built from PUBLIC_URL, never Host', async () => {
    const oidc = await t.http().get('/.well-known/openid-configuration').set('Host', 'evil.test');
    const rfc8414 = await t.http().get('/.well-known/oauth-authorization-server');
    expect(oidc.status).toBe(200);
    expect(oidc.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(oidc.body).toEqual(rfc8414.body);
    expect(oidc.body).toMatchObject({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
    });
    expect(JSON.stringify(oidc.body)).not.toContain('evil.test');
  });

  it('configures openid-client by discovery, whose introspection and revocation then work', async () => {
    const svc = await createClient('discovered');
    const config = await client.discovery(
      new URL(issuer),
      svc.clientId,
      undefined,
      client.ClientSecretBasic(svc.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );
    expect(config.serverMetadata().issuer).toBe(issuer);

    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const introspection = await client.tokenIntrospection(config, jwt);
    expect(introspection).toMatchObject({ active: true, sub: String(user.id) });
    expect(introspection.username).toBe(user.username);

    await client.tokenRevocation(config, jwt);
    expect((await client.tokenIntrospection(config, jwt)).active).toBe(false);
  });

  it('verifies an access JWT with the discovered jwks_uri and issuer (jose), as a resource server does', async () => {
    const metadata = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
    const user = await newUser();
    const jwt = await accessTokenFor(t, user);
    const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(metadata.jwks_uri)), {
      issuer: metadata.issuer,
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe(String(user.id));
  });
});

describe('CLI: clients:create', { timeout: 180_000 }, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp(
      { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password },
      database,
    );
    adminJwt = await accessTokenFor(t, ADMIN);
  }, 180_000);
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const runCli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI_JS, ...args],
        { env: { PATH: process.env.PATH, DATABASE_URL: database.url }, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
      );
    });

  it('prints an id and a secret that introspect at once, audited as the CLI', async () => {
    const run = await runCli(['clients:create', 'from-cli']);
    expect(run.code).toBe(0);
    const id = /^client_id=([A-Za-z0-9_-]{22})$/m.exec(run.stdout)?.[1];
    const secret = /^client_secret=([A-Za-z0-9_-]{43})$/m.exec(run.stdout)?.[1];
    expect(id && secret).toBeTruthy();
    const svc = { clientId: id!, clientSecret: secret!, name: 'from-cli' };
    await expectActive(svc, await accessTokenFor(t, await newUser()));
    const [event] = await sql(
      t,
      `SELECT * FROM "audit_event" WHERE "api" = 'cli' AND "type" = 'admin.change'`,
    );
    expect(JSON.parse(String(event.detail))).toMatchObject({
      action: 'clients.create',
      clientId: id,
    });
    expect(JSON.stringify(event)).not.toContain(secret);
  });

  it('refuses a name metrics could not carry, with exit code 2', async () => {
    const run = await runCli(['clients:create', 'has spaces']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('migration ServiceClientEpoch', () => {
  const index = migrations.indexOf(ServiceClientEpoch1765100000000);
  let schema: ScratchSchema;
  beforeAll(async () => {
    schema = await scratchSchema();
  });
  afterAll(() => schema.close());

  it('makes every write to a service client move the epoch, and goes down again', async () => {
    await schema.migratedTo(index + 1);
    const insert =
      `INSERT INTO "service_client" ("clientId", "name", "enabled", "secretHash", "createdAt", ` +
      `"updatedAt") VALUES ('c', 'n', true, 'h', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`;
    expect(await schema.movesEpoch(insert)).toBe(true);
    expect(await schema.movesEpoch('UPDATE "service_client" SET "enabled" = false')).toBe(true);
    expect(await schema.movesEpoch('DELETE FROM "service_client"')).toBe(true);

    await schema.undoLast();
    expect(await schema.movesEpoch(insert)).toBe(false);
  });
});
