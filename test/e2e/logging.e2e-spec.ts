import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { basic } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  MAIN_JS,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * The server's log, read from a real process: one logger (pino, through nestjs-pino and Fastify),
 * so one JSON format for every line; the request id on every line logged during a request,
 * application errors included, and in the `X-Request-Id` answer header; never a secret; and
 * nothing at all with `LOG_LEVEL=silent`.
 */

/** better-sqlite3 (a dependency, without type declarations here): the little this test uses. */
const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
  exec(source: string): void;
  close(): void;
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface LogLine {
  level: string;
  time: number;
  pid: number;
  hostname: string;
  msg: string;
  reqId?: string;
  [key: string]: unknown;
}

/** Renames a table behind the server's back, so that every query of it fails as a bug would. */
async function renameTable(url: string, from: string, to: string): Promise<void> {
  const statement = `ALTER TABLE "${from}" RENAME TO "${to}"`;
  if (url.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
    return;
  }
  const database = new Database(url.slice('sqlite:'.length));
  try {
    database.exec(statement);
  } finally {
    database.close();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cookieSecret(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.includes('='));
  return /=([0-9a-f]{64})/.exec(cookie ?? '')![1];
}

describe('the log', () => {
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await stopServerProcess(server);
    server = undefined;
  });
  afterAll(() => database.drop());

  it('is one JSON format, carries the request id on every line of a request, errors included, and never a secret', async () => {
    server = await startServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
    const call = (path: string, init: RequestInit = {}) => fetch(`${server!.baseUrl}${path}`, init);
    const username = 'log-reader';
    const password = 'Log-Secret-Pass-42';

    const registered = await call('/api/users', {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'X-Request-Id': 'caller.chosen-id_1' },
      body: JSON.stringify({ username, password }),
    });
    expect(registered.status).toBe(201);
    expect(registered.headers.get('x-request-id')).toBe('caller.chosen-id_1');

    // Not a sane token (a space; too long): a fresh id instead.
    for (const unfit of ['two words', 'x'.repeat(65)]) {
      const answer = await call('/health/live', { headers: { 'X-Request-Id': unfit } });
      expect(answer.headers.get('x-request-id')).toMatch(UUID);
    }

    const authorization = basic(username, password);
    const userTokenLogin = await call('/auth/login', {
      method: 'POST',
      headers: { authorization },
    });
    expect(userTokenLogin.status).toBe(200);
    const { token: userToken } = (await userTokenLogin.json()) as { token: string };

    const sessionLogin = await call('/auth/login', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ login: username, password }),
    });
    expect(sessionLogin.status).toBe(201);
    const { sid } = (await sessionLogin.json()) as { sid: string };
    const secret = cookieSecret(sessionLogin);
    const cookie = `GCN_SESSION_SECRET=${secret}`;
    const querySecret = 'query-secret-7c1f';
    expect(
      (await call(`/auth/validate/${sid}${secret}?token=${querySecret}`, { headers: { cookie } }))
        .status,
    ).toBe(200);
    await call(`/auth/hashpassword?sid=${sid}`, {
      method: 'POST',
      headers: { ...JSON_HEADERS, cookie },
      body: JSON.stringify({ password: 'Another-Secret-99' }),
    });
    expect(
      (
        await call('/auth/bump', {
          method: 'POST',
          headers: { authorization: `Bearer ${userToken}` },
        })
      ).status,
    ).toBe(200);
    const pathSecret = 'path-secret-4e2a';
    expect((await call(`/no/such/route/${pathSecret}`)).status).toBe(404);

    // An unexpected error in the application: the user table is gone, so the login's read fails.
    await renameTable(database.url, 'user', 'user_elsewhere');
    const failed = await call('/v1/auth', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ username, password }),
    });
    expect(failed.status).toBe(500);
    const failedId = failed.headers.get('x-request-id');
    expect(failedId).toMatch(UUID);

    expect(await stopServerProcess(server)).toBe(0);
    const output = server.output();

    for (const value of [
      password,
      'Another-Secret-99',
      authorization.slice('Basic '.length),
      'Basic ',
      'Bearer ',
      userToken,
      secret,
      querySecret,
      pathSecret,
    ]) {
      expect(output).not.toContain(value);
    }

    const lines = output
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as LogLine);
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/),
          time: expect.any(Number),
          pid: server.child.pid,
          hostname: expect.any(String),
          msg: expect.any(String),
        }),
      );
    }

    const requestLines = lines.filter((line) => line.msg === 'request');
    expect(requestLines.length).toBeGreaterThanOrEqual(10);
    for (const line of requestLines) expect(line.reqId).toEqual(expect.any(String));
    expect(requestLines.map(({ route, status }) => `${String(route)} ${String(status)}`)).toEqual(
      expect.arrayContaining(['/auth/validate/:sid 200', '(unmatched) 404', '/v1/auth 500']),
    );

    // The error's line and the request's line share the id the answer carried.
    const ofFailed = lines.filter((line) => line.reqId === failedId);
    expect(ofFailed.at(-1)).toMatchObject({ msg: 'request', route: '/v1/auth', status: 500 });
    const errorLine = ofFailed.find((line) => line.level === 'error');
    expect(errorLine?.msg).toMatch(/user/);
    expect(errorLine?.err).toEqual(
      expect.objectContaining({ type: expect.any(String), stack: expect.any(String) }),
    );
  });

  it('writes nothing at all with LOG_LEVEL=silent', async () => {
    const silentDatabase = await createTestDatabase();
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN_JS], {
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        BCRYPT_COST: '4',
        DATABASE_URL: silentDatabase.url,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const live = await fetch(`${baseUrl}/health/live`).catch(() => null);
        if (live?.status === 200) break;
        if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // An application error and a route that does not exist: each would log at info or above.
      await renameTable(silentDatabase.url, 'user', 'user_elsewhere');
      const login = await fetch(`${baseUrl}/v1/auth`, {
        method: 'POST',
        headers: JSON_HEADERS,
        body: JSON.stringify({ username: 'nobody', password: 'Wrong-Pass-123' }),
      });
      expect(login.status).toBe(500);
      expect((await fetch(`${baseUrl}/no/such/route`)).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    await silentDatabase.drop();
    expect(output).toBe('');
  });
});
