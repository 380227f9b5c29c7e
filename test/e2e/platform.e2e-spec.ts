import { generateKeyPairSync } from 'node:crypto';
import { type AddressInfo, createConnection } from 'node:net';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { restTokenFor } from '../support/credentials.js';
import { decodeJwt, registerUser } from '../support/fixtures.js';

/** A REST-auth access token of a user registered for it. */
async function registerAndGetToken(t: TestApp, username: string): Promise<string> {
  return restTokenFor(t, await registerUser(t, username, 'correct-horse'));
}

describe('the service around the APIs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers the health checks', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('publishes the public signing key, and only the public part', async () => {
    const res = await t.http().get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(typeof key.kid).toBe('string');
    expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    const token = await registerAndGetToken(t, 'jwks-user');
    expect(decodeJwt(token).header).toMatchObject({ alg: 'RS256', kid: key.kid });
  });

  it('serves Swagger UI and an OpenAPI document with every route', async () => {
    const ui = await t.http().get('/docs').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.http().get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/users',
        '/api/users/{id}',
        '/api/token',
        '/api/resource',
        '/auth/login',
        '/auth/bump',
        '/auth/logout',
        '/.well-known/jwks.json',
        '/health/live',
        '/health/ready',
      ]),
    );
    expect(Object.keys(doc.body.components.securitySchemes)).toEqual(
      expect.arrayContaining(['basic', 'user-token', 'jwt']),
    );
  });

  it("sends helmet's security headers and no X-Powered-By, on errors too", async () => {
    const answers = [
      await t.http().get('/health/live'),
      await t.http().post('/api/v1/security/token').send({ token: 'x', service: 's' }),
      await t.http().get('/no/such/route'),
      await t.http().get('/api/v1/security/privilegeToken'),
      await t.http().post('/v1/auth').set('Content-Type', 'application/json').send('{'),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 404, 401, 400]);
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBeDefined();
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('refuses bodies that are not JSON, or too large, with a 4xx and no stack trace', async () => {
    const text = await t.http().post('/v1/auth').set('Content-Type', 'text/plain').send('hi');
    expect(text.status).toBe(415);
    const form = await t
      .http()
      .post('/api/v1/security/token')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('username=a&password=b');
    expect(form.status).toBe(415);
    const huge = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'big', password: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    const poisoned = await t
      .http()
      .post('/api/users')
      .set('Content-Type', 'application/json')
      .send('{"username":"p","password":"pppppppp","__proto__":{"privilege":"admin"}}');
    expect(poisoned.status).toBe(400);
    for (const res of [text, form, huge, poisoned])
      expect(res.text).not.toMatch(/\bat .+\.[jt]s:\d+/);
  });

  it('answers unknown paths with a 404 in Nest’s shape', async () => {
    const res = await t.http().get('/no/such/path');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('answers a path parameter that is not valid percent-encoding with a 400 the document admits', async () => {
    // t.http() holds each answer against the document: the route's own 400 must admit the router's.
    for (const path of ['/auth/validate/%C0%AE', '/api/users/%ZZ', '/api/admin/users/%C0%AE']) {
      const res = await t.http().get(path);
      expect(res.status, path).toBe(400);
      expect(res.body, path).toMatchObject({ code: 'FST_ERR_BAD_URL' });
    }
    const logout = await t.http().post('/auth/logout/%C0%AE');
    expect(logout.status).toBe(400);
  });
});

describe('signing keys', () => {
  it('are generated once and shared by a restart and by a second instance', async () => {
    const database = await createTestDatabase();
    try {
      const first = await startTestApp({}, database);
      const token = await registerAndGetToken(first, 'restart-user');
      const before = (await first.http().get('/.well-known/jwks.json')).body;
      await first.close();

      const [second, third] = await Promise.all([
        startTestApp({}, database),
        startTestApp({}, database),
      ]);
      for (const instance of [second, third]) {
        expect((await instance.http().get('/.well-known/jwks.json')).body).toEqual(before);
        await instance
          .http()
          .get('/api/resource')
          .set('Authorization', basic(token, 'x'))
          .expect(200, { data: 'Hello, restart-user!' });
      }
      await Promise.all([second.close(), third.close()]);
    } finally {
      await database.drop();
    }
  });

  it('come from configuration when a PEM is supplied, which then signs', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const t = await startTestApp({ JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n') });
    try {
      const jwks = (await t.http().get('/.well-known/jwks.json')).body;
      const expected = privateKey.export({ format: 'jwk' });
      const supplied = jwks.keys.find((key: { n: string }) => key.n === expected.n);
      expect(supplied).toBeDefined();
      const token = await registerAndGetToken(t, 'pem-user');
      expect(decodeJwt(token).header.kid).toBe(supplied.kid);
    } finally {
      await t.close();
    }
  });
});

describe('client addresses behind a load balancer', () => {
  const attempt = (t: TestApp, forwardedFor: string) =>
    t
      .http()
      .post('/v1/auth')
      .set('X-Forwarded-For', forwardedFor)
      .send({ username: 'nobody', password: 'wrong-password' });

  it('counts each forwarded client on its own when the proxy is trusted', async () => {
    const t = await startTestApp({ TRUST_PROXY: '127.0.0.1', LOGIN_ATTEMPTS_PER_MINUTE: '2' });
    try {
      expect((await attempt(t, '203.0.113.1')).status).toBe(401);
      expect((await attempt(t, '203.0.113.1')).status).toBe(401);
      expect((await attempt(t, '203.0.113.1')).status).toBe(429);
      expect((await attempt(t, '203.0.113.2')).status).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('ignores X-Forwarded-For from an untrusted peer, so it cannot be used to dodge the limit', async () => {
    const t = await startTestApp({ LOGIN_ATTEMPTS_PER_MINUTE: '2' });
    try {
      expect((await attempt(t, '203.0.113.1')).status).toBe(401);
      expect((await attempt(t, '203.0.113.2')).status).toBe(401);
      const limited = await attempt(t, '203.0.113.3');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });
});

/** What a raw connection received before the server closed it, and how long after it opened. */
interface SlowExchange {
  received: string;
  closedAfterMs: number;
}

/**
 * A slow client over TCP: writes `head`, then one more byte every `everyMs`, for as long as the
 * server keeps the connection open. Resolves when the server closes it; rejects if it is still
 * open after `giveUpMs`.
 */
function sendSlowly(port: number, head: string, everyMs: number, giveUpMs: number) {
  return new Promise<SlowExchange>((resolve, reject) => {
    const openedAt = performance.now();
    let received = '';
    let drip: NodeJS.Timeout | undefined;
    const socket = createConnection(port, '127.0.0.1', () => {
      socket.write(head);
      drip = setInterval(() => socket.write('a'), everyMs);
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`still open after ${giveUpMs} ms, having received ${received || 'nothing'}`),
      );
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    // A reset after the answer closes the connection as well; 'close' follows.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(drip);
      clearTimeout(giveUp);
      resolve({ received, closedAfterMs: performance.now() - openedAt });
    });
  });
}

describe('slow clients', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ REQUEST_TIMEOUT_SECONDS: '1' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it.each([
    [
      'a body declared long and sent a byte at a time',
      'POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100000\r\n\r\n{',
    ],
    ['headers sent a byte at a time', 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '],
  ])(
    'answers %s with 408 and closes the connection once REQUEST_TIMEOUT_SECONDS is up',
    async (_, head) => {
      const { received, closedAfterMs } = await sendSlowly(port, head, 100, 5_000);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(closedAfterMs).toBeLessThan(2_500);
    },
  );

  it('still serves requests that arrive in time', async () => {
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const registered = await fetch(`${base}/api/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'prompt-client', password: 'correct-horse' }),
    });
    expect(registered.status).toBe(201);
  });
});
