import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { migrations } from '../../src/database/migrations/index.js';
import { basic } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * Issue 5, several instances: two server processes on one PostgreSQL database share everything a
 * client can observe, at once: the schema (migrated once when they start together), users,
 * logouts, disabled accounts, unique usernames, the per-account lock, and (through Redis) the
 * per-address login limit.
 */

const isPostgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const PASSWORD = 'instances-password';
const COOKIE = 'GCN_SESSION_SECRET';
const REDIS = { host: '127.0.0.1', port: 6379 };

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** Requests to one instance, each given 10 s to answer. */
function client(server: ServerProcess) {
  const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, headers: response.headers, body };
  };
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(path, {
      method: 'POST',
      headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    call,
    post,
    register: (username: string, password = PASSWORD) => post('/api/users', { username, password }),
    jwtLogin: (username: string, password = PASSWORD) => post('/v1/auth', { username, password }),
    sessionLogin: (login: string, password = PASSWORD) => post('/auth/login', { login, password }),
    validate: (sid: string, secret: string) => call(`/auth/validate/${sid}${secret}`),
    tokenStatus: async (token: string) =>
      (await post('/api/v1/security/token', { token, service: 'x' })).body.tokenStatus as string,
  };
}
type Client = ReturnType<typeof client>;

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function sessionOf(answer: Answer): { sid: string; secret: string } {
  expect(answer.status).toBe(201);
  const cookie = answer.headers
    .getSetCookie()
    .map((line) => new RegExp(`^${COOKIE}=([0-9a-f]{64})`).exec(line)?.[1])
    .find(Boolean);
  expect(cookie).toBeDefined();
  expect(answer.body.sid).toMatch(/^\d+$/);
  return { sid: answer.body.sid as string, secret: cookie! };
}

async function withPg<T>(url: string, work: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

function isReachable({ host, port }: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, host);
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe.skipIf(!isPostgres)('two instances on one PostgreSQL database', () => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  let a: Client;
  let b: Client;
  const startPair = async (env: Record<string, string>) => {
    const started = await Promise.allSettled([
      startServerProcess({ DATABASE_URL: database.url, ...env }),
      startServerProcess({ DATABASE_URL: database.url, ...env }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    return started.map((result) => (result as PromiseFulfilledResult<ServerProcess>).value);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    // Both at once on the empty database. LOCKOUT_BASE_SECONDS: the account lock outlasts the test.
    const [first, second] = await startPair({
      LOGIN_ATTEMPTS_PER_MINUTE: '100000',
      LOCKOUT_BASE_SECONDS: '30',
    });
    a = client(first);
    b = client(second);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => stopServerProcess(server)));
    await database?.drop();
  });

  it('both come up together on the empty database, at the first attempt, with each migration applied once', async () => {
    expect((await a.call('/health/ready')).status).toBe(200);
    expect((await b.call('/health/ready')).status).toBe(200);
    // Neither tripped over the other's migrations, nor had to try the database again.
    for (const server of servers.slice(0, 2)) {
      expect(server.output()).not.toMatch(/is out of reach|"level":"(error|fatal)"/);
    }
    const { rows } = await withPg(database.url, (db) =>
      db.query<{ name: string; count: string }>(
        'SELECT name, count(*) AS count FROM migrations GROUP BY name',
      ),
    );
    expect(Object.fromEntries(rows.map(({ name, count }) => [name, Number(count)]))).toEqual(
      Object.fromEntries(migrations.map((migration) => [migration.name, 1])),
    );
  });

  it('they share one signing key from the start: the same JWKS, the same kid, and each one’s JWTs valid on the other', async () => {
    const username = uniqueName('signer');
    expect((await a.register(username)).status).toBe(201);
    const [fromA, fromB] = [
      (await a.jwtLogin(username)).body.access_token as string,
      (await b.jwtLogin(username)).body.access_token as string,
    ];
    const kidOf = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()) as { kid: string }).kid;
    const jwks = async (instance: Client) =>
      ((await instance.call('/.well-known/jwks.json')).body.keys as { kid: string }[])
        .map((key) => key.kid)
        .sort();

    expect.soft(await b.tokenStatus(fromA)).toBe('valid');
    expect.soft(await a.tokenStatus(fromB)).toBe('valid');
    expect.soft(kidOf(fromA)).toBe(kidOf(fromB));
    expect.soft(await jwks(a)).toEqual(await jwks(b));
    expect(await jwks(a)).toHaveLength(1);
  });

  it('a user registered on A logs in on B', async () => {
    const username = uniqueName('roamer');
    expect((await a.register(username)).status).toBe(201);
    const jwt = await b.jwtLogin(username);
    expect(jwt.status).toBe(200);
    expect(typeof jwt.body.access_token).toBe('string');
    const resource = await b.call('/api/resource', {
      headers: { authorization: basic(username, PASSWORD) },
    });
    expect(resource).toMatchObject({ status: 200, body: { data: `Hello, ${username}!` } });
  });

  it('a session logged out on B is refused on A at once', async () => {
    const username = uniqueName('session');
    expect((await a.register(username)).status).toBe(201);
    const { sid, secret } = sessionOf(await a.sessionLogin(username));
    expect((await b.validate(sid, secret)).status).toBe(200);
    expect((await a.validate(sid, secret)).status).toBe(200);

    const logout = await b.post(`/auth/logout/${sid}`, undefined, {
      cookie: `${COOKIE}=${secret}`,
    });
    expect(logout.status).toBe(201);
    expect(logout.body.responseInfo.responseCode).toBe('OK');
    expect((await a.validate(sid, secret)).status).toBe(404);
    expect((await b.validate(sid, secret)).status).toBe(404);
  });

  it('a user token logged out on B is refused on A at once', async () => {
    const username = uniqueName('usertoken');
    expect((await a.register(username)).status).toBe(201);
    const login = await a.post('/auth/login', undefined, {
      authorization: basic(username, PASSWORD),
    });
    expect(login.status).toBe(200);
    const bearer = { authorization: `Bearer ${login.body.token as string}` };
    expect((await b.post('/auth/bump', undefined, bearer)).status).toBe(200);
    expect(await a.tokenStatus(login.body.token as string)).toBe('valid');

    const logout = await b.post('/auth/logout', undefined, bearer);
    expect(logout).toMatchObject({ status: 200, body: { success: true } });
    expect((await a.post('/auth/bump', undefined, bearer)).status).toBe(401);
    expect(await a.tokenStatus(login.body.token as string)).toBe('invalid');
  });

  it('a disabled user is refused on both at once', async () => {
    const username = uniqueName('disabled');
    expect((await a.register(username)).status).toBe(201);
    const jwt = await a.jwtLogin(username);
    expect(jwt.status).toBe(200);
    const token = jwt.body.access_token as string;
    const { sid, secret } = sessionOf(await b.sessionLogin(username));
    for (const instance of [a, b]) {
      expect(await instance.tokenStatus(token)).toBe('valid');
      expect((await instance.validate(sid, secret)).status).toBe(200);
    }

    await withPg(database.url, (db) =>
      db.query('UPDATE "user" SET enabled = false WHERE username = $1', [username]),
    );

    for (const instance of [a, b]) {
      expect(await instance.tokenStatus(token)).toBe('invalid');
      expect((await instance.validate(sid, secret)).status).toBe(404);
      expect((await instance.jwtLogin(username)).status).toBe(401);
    }
  });

  it('the same username registered on A and B at once: exactly one 201 and one 400 each time', async () => {
    const rounds: number[][] = [];
    for (let round = 0; round < 10; round++) {
      const username = uniqueName(`twin${round}`);
      // Every other round the two differ only in case.
      const other = round % 2 === 0 ? username : username.toUpperCase();
      const answers = await Promise.all([a.register(username), b.register(other)]);
      rounds.push(answers.map((answer) => answer.status).sort((x, y) => x - y));
    }
    expect(rounds).toEqual(Array.from({ length: 10 }, () => [201, 400]));
  });

  it('the per-account lock is shared: five wrong passwords over A and B lock the account on both', async () => {
    const username = uniqueName('locked');
    expect((await a.register(username)).status).toBe(201);
    for (const instance of [a, b, a, b, a]) {
      expect((await instance.jwtLogin(username, 'wrong-password')).status).toBe(401);
    }
    for (const instance of [a, b]) {
      const sixth = await instance.jwtLogin(username, PASSWORD);
      expect(sixth.status).toBe(429);
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('with REDIS_URL, the per-address login limit is shared: 6 logins on A, the 7th on B is 429', async (context) => {
    if (!(await isReachable(REDIS))) context.skip('no Redis on 127.0.0.1:6379');
    // A Redis database of this test's own, cleared of the counters it uses, before and after.
    const redisDb = 1 + Math.floor(Math.random() * 15);
    const redis = new Redis({ ...REDIS, db: redisDb, lazyConnect: true });
    await redis.connect();
    let pair: ServerProcess[] = [];
    const clearCounters = async () => {
      const keys = await redis.keys('{login:*');
      if (keys.length > 0) await redis.del(...keys);
    };
    try {
      await clearCounters();
      const username = uniqueName('throttled');
      expect((await a.register(username)).status).toBe(201);
      pair = await startPair({
        REDIS_URL: `redis://${REDIS.host}:${REDIS.port}/${redisDb}`,
        LOGIN_ATTEMPTS_PER_MINUTE: '6',
      });
      // Both instances hold their Redis connection before the first request (the guard lets
      // requests through uncounted while its store is out of reach).
      await expect
        .poll(
          async () =>
            ((await redis.client('LIST')) as string)
              .split('\n')
              .filter((line) => line.includes(` db=${redisDb} `)).length,
          { timeout: 5_000, interval: 50 },
        )
        .toBeGreaterThanOrEqual(3);
      const [c, d] = pair.map(client);

      const onA: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) onA.push((await c.jwtLogin(username)).status);
      expect(onA).toEqual([200, 200, 200, 200, 200, 200]);
      const seventh = await d.jwtLogin(username);
      expect(seventh.status).toBe(429);
      expect(seventh.body).toMatchObject({ code: 429 });
      expect(Number(seventh.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await Promise.all(pair.map((server) => stopServerProcess(server)));
      await clearCounters();
      redis.disconnect();
    }
  });
});
