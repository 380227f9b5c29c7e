import { createServer, type Server } from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';
import request from 'supertest';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { securityHeadersMiddleware } from '../../src/app.setup.js';
import { Group } from '../../src/user-store/entities/group.entity.js';
import {
  PreparedRead,
  postgresPool,
  sqliteConnection,
} from '../../src/credentials/liveness/prepared-read.js';
import { ServiceClient } from '../../src/credentials/service-clients/entities/service-client.entity.js';
import { Session } from '../../src/user-store/entities/session.entity.js';
import { UserToken } from '../../src/user-store/entities/user-token.entity.js';
import { User } from '../../src/user-store/entities/user.entity.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor, sessionFor, userTokenFor } from '../support/credentials.js';
import { registerUser } from '../support/fixtures.js';

/*
 * Speed-ups that take a library's work off the request path, each held here to the library
 * itself, so that an upgrade of the library that changes what they rely on fails a test instead
 * of changing what the service does.
 */

const ADMIN = { username: 'seams-admin', password: 'seams-admin-password-1' };
const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
});
afterAll(() => t.close());

describe('the security headers, set once at start', () => {
  /** Headers node's own server sends whatever the middleware does. */
  const NODE_OWN = new Set([
    'date',
    'connection',
    'keep-alive',
    'content-length',
    'transfer-encoding',
  ]);

  /** Requests of every kind: routes and none, errors, a preflight, a browser, a proxy, HEAD. */
  const REQUESTS: {
    method: 'get' | 'post' | 'options' | 'head';
    path: string;
    headers: Record<string, string>;
    body?: string;
  }[] = [
    { method: 'get', path: '/health/live', headers: {} },
    { method: 'head', path: '/health/live', headers: {} },
    { method: 'get', path: '/no/such/route', headers: { accept: 'text/html' } },
    {
      method: 'post',
      path: '/api/v1/security/token',
      headers: { 'content-type': 'application/json' },
      body: '{"token":',
    },
    { method: 'get', path: '/api/admin/users', headers: { authorization: 'Bearer nope' } },
    {
      method: 'options',
      path: '/auth/login',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    },
    {
      method: 'get',
      path: '/health/ready',
      headers: {
        'user-agent': 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.9',
        accept: 'text/html,application/xhtml+xml',
      },
    },
  ];

  let helmetServer: Server;
  beforeAll(() => {
    // helmet as a middleware is meant to run: on each request, on node's own response.
    const middleware = securityHeadersMiddleware();
    helmetServer = createServer((req, res) => {
      res.setHeader('X-Powered-By', 'something');
      middleware(req, res, () => res.end());
    });
  });

  it('are, on responses of every kind, the headers helmet sets on each request over HTTP', async () => {
    const sent = async (agent: ReturnType<typeof request>, r: (typeof REQUESTS)[number]) => {
      const req = agent[r.method](r.path).set(r.headers);
      return (await (r.body === undefined ? req : req.send(r.body))).headers as Record<
        string,
        string
      >;
    };
    const byHelmet: Record<string, string>[] = [];
    const byApp: Record<string, string>[] = [];
    for (const r of REQUESTS) {
      byHelmet.push(await sent(request(helmetServer), r));
      byApp.push(await sent(t.http(), r));
    }
    const names = [...new Set(byHelmet.flatMap((headers) => Object.keys(headers)))].filter(
      (name) => !NODE_OWN.has(name),
    );
    expect(names).toEqual(
      expect.arrayContaining(['content-security-policy', 'strict-transport-security']),
    );
    const pick = (headers: Record<string, string>) =>
      Object.fromEntries(names.map((name) => [name, headers[name]]));
    for (const [index, r] of REQUESTS.entries()) {
      expect(pick(byApp[index]), `${r.method} ${r.path}`).toEqual(pick(byHelmet[index]));
      expect(byApp[index]['x-powered-by']).toBeUndefined();
    }
  });
});

describe('the prepared reads of the checks', () => {
  it(`reach ${postgres ? 'the pg pool TypeORM draws every connection from' : 'better-sqlite3’s connection, as TypeORM’s query runner hands it over'}`, async () => {
    if (!postgres) {
      const connection = await sqliteConnection(t.db);
      expect(connection).toBeInstanceOf(Database);
      expect(connection.open).toBe(true);
      return;
    }
    const pool = postgresPool(t.db);
    expect(pool).toBeInstanceOf(pg.Pool);
    const acquired: unknown[] = [];
    const onAcquire = (client: unknown) => acquired.push(client);
    pool.on('acquire', onAcquire);
    try {
      const runner = t.db.createQueryRunner();
      const client: unknown = await runner.connect();
      await runner.release();
      expect(acquired).toContain(client);
    } finally {
      pool.off('acquire', onAcquire);
    }
  });

  it('read back each entity a check reads, every column, as TypeORM’s own find does', async () => {
    const adminJwt = await accessTokenFor(t, ADMIN);
    const asAdmin = { Authorization: `Bearer ${adminJwt}` };
    const user = await registerUser(t, 'seams-user', 'seams-password-1', {
      firstName: 'Ann',
      email: 'ann@example.com',
    });
    const group = await t
      .http()
      .post('/api/admin/groups')
      .set(asAdmin)
      .send({ name: 'seams', description: 'Readers' });
    expect(group.status).toBe(201);
    const child = await t
      .http()
      .post('/api/admin/groups')
      .set(asAdmin)
      .send({ name: 'seams-child', parentId: group.body.id });
    expect(child.status).toBe(201);
    expect(
      (
        await t
          .http()
          .put(`/api/admin/users/${user.id}/groups`)
          .set(asAdmin)
          .send({ groups: [child.body.id] })
      ).status,
    ).toBe(200);
    await userTokenFor(t, user, 'a note', '2099-01-01T00:00:00.000Z');
    await userTokenFor(t, user);
    await sessionFor(t, user);
    expect(
      (await t.http().post('/api/admin/clients').set(asAdmin).send({ name: 'seams-service' }))
        .status,
    ).toBe(201);

    const targets: EntityTarget<ObjectLiteral>[] = [User, UserToken, Session, Group, ServiceClient];
    for (const target of targets) {
      const metadata = t.db.getMetadata(target);
      const order = metadata.primaryColumns;
      const read = new PreparedRead(
        t.db,
        (columns) =>
          `SELECT ${columns(target, 'e')} FROM "${metadata.tableName}" "e" ORDER BY ` +
          order.map(({ databaseName }) => `"e"."${databaseName}"`).join(', '),
      );
      const prepared = (await read.rows([])).map((row) => read.entity(target, 'e', row));
      const found = await t.db.getRepository(target).find({
        order: Object.fromEntries(order.map(({ propertyName }) => [propertyName, 'ASC'])),
      });
      expect(found.length, metadata.name).toBeGreaterThan(0);
      expect(prepared, metadata.name).toEqual(found);
      // A second read goes through the statement as prepared the first time.
      expect((await read.rows([])).map((row) => read.entity(target, 'e', row))).toEqual(found);
    }
  });
});
