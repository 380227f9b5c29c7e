import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { niceOf } from '../../src/database/speed-up-check.js';
import { basic } from '../support/basic-auth.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  CLI_JS,
  runServerToExit,
  startServerProcess,
  stopServerProcess,
} from '../support/server-process.js';

const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** An SQLite DATABASE_URL naming a file that exists and is not a database. */
function notADatabase(): string {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-not-a-db-'));
  directories.push(directory);
  const file = join(directory, 'notes.txt');
  writeFileSync(file, 'not a database\n'.repeat(100));
  return `sqlite:${file}`;
}

/** A port nothing listens on: one the system gave out, then closed. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('the server process', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it.each([
    ['BCRYPT_COST', 'lots', "must be a whole number between 4 and 20, got 'lots'"],
    ['DATABASE_URL', 'mysql://nope', 'must be sqlite:<file>'],
    ['PORT', '-1', "must be a whole number between 0 and 65535, got '-1'"],
    ['TRUST_PROXY', 'localhost', 'must be comma-separated IP addresses or CIDR ranges'],
    ['FORWARD_AUTH_BASIC', 'yes', "must be true or false, got 'yes'"],
  ])('stops with one line naming %s when it is %s', async (name, value, says) => {
    const { code, stdout, stderr } = await runServerToExit({ [name]: value });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(lines[0]).toContain(says);
  });

  const unusableDatabases: [string, () => string | Promise<string>, RegExp][] = [
    ['an SQLite file that is not a database', notADatabase, /file is not a database$/],
    [
      'a PostgreSQL server that does not answer (after trying again)',
      async () => `postgres://gatehouse:Db-Secret-1@127.0.0.1:${await closedPort()}/gatehouse`,
      /ECONNREFUSED/,
    ],
  ];
  if (postgres) {
    unusableDatabases.push([
      'a PostgreSQL database that does not exist',
      () => {
        const url = new URL(database.url);
        url.pathname = '/gatehouse_no_such_database';
        return url.toString();
      },
      /database "gatehouse_no_such_database" does not exist$/,
    ]);
  }
  it.each(unusableDatabases)(
    'stops with one line naming DATABASE_URL, and no stack trace, on %s',
    async (_case, databaseUrl, reason) => {
      const url = await databaseUrl();
      const { code, stdout, stderr } = await runServerToExit({ DATABASE_URL: url });
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Cannot open the database at DATABASE_URL=(sqlite|postgres):/);
      expect(lines[0]).toMatch(reason);
      for (const output of [stdout, stderr]) {
        // A stack's frames, on lines of their own or within a JSON line.
        expect(output).not.toContain('    at ');
        expect(output).not.toContain('Db-Secret-1');
      }
      // Nothing above a warning: the one line says it all.
      for (const line of stdout.split('\n').filter(Boolean)) {
        expect(['debug', 'info', 'warn']).toContain((JSON.parse(line) as { level: string }).level);
      }
    },
  );

  it('logs one structured line per request and never a secret; SIGTERM exits 0', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
    const password = 'Secret-Pass-123';
    const call = (path: string, init: RequestInit = {}) => fetch(`${server.baseUrl}${path}`, init);
    const json = { 'Content-Type': 'application/json' };

    expect(
      (
        await call('/api/users', {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ username: 'logger', password }),
        })
      ).status,
    ).toBe(201);
    const authorization = basic('logger', password);
    const { token } = (await (await call('/api/token', { headers: { authorization } })).json()) as {
      token: string;
    };
    expect(
      (await call('/api/resource', { headers: { authorization: basic(token, 'x') } })).status,
    ).toBe(200);
    const userToken = (await (
      await call('/auth/login', { method: 'POST', headers: { authorization } })
    ).json()) as { token: string };
    expect(
      (
        await call('/auth/bump', {
          method: 'POST',
          headers: { authorization: `Bearer ${userToken.token}` },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('/api/resource', { headers: { authorization: basic('logger', 'wrong-pass') } }))
        .status,
    ).toBe(401);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const output = server.output();
    for (const secret of [
      password,
      token,
      userToken.token,
      authorization.slice(6),
      'Basic ',
      'Bearer ',
    ]) {
      expect(output).not.toContain(secret);
    }
    const requestLines = output
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map(
        (line) =>
          JSON.parse(line) as { method: string; route: string; status: number; ms: unknown },
      );
    expect(requestLines.map(({ method, route, status }) => `${method} ${route} ${status}`)).toEqual(
      [
        'POST /api/users 201',
        'GET /api/token 200',
        'GET /api/resource 200',
        'POST /auth/login 200',
        'POST /auth/bump 200',
        'GET /api/resource 401',
      ],
    );
    for (const line of requestLines) expect(typeof line.ms).toBe('number');
  });

  it.runIf(process.platform === 'linux')(
    "started as start:prod starts it, runs bcrypt on libuv's threads at the lowest priority and the event loop at its own",
    async () => {
      // Through the launcher, as start:prod starts it.
      const server = await startServerProcess({ DATABASE_URL: database.url }, []);
      try {
        const registered = await fetch(`${server.baseUrl}/api/users`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'niceness', password: 'Secret-Pass-123' }),
        });
        expect(registered.status).toBe(201);
        const pid = server.child.pid!;
        const nice = readdirSync(`/proc/${pid}/task`).map((tid) =>
          niceOf(`/proc/${pid}/task/${tid}/stat`),
        );
        expect(nice.filter((value) => value === 19).length).toBeGreaterThanOrEqual(4);
        expect(niceOf(`/proc/${pid}/stat`)).toBeLessThan(19);
      } finally {
        await stopServerProcess(server);
      }
    },
  );

  it('rotates the signing key from the command line; the server then signs with it and still publishes the old one', async () => {
    // Keys that sign at once: their publication ahead of signing is key-rotation's to test.
    const cli = (verb: string) =>
      runServerToExit(
        { DATABASE_URL: database.url, BCRYPT_COST: '4', JWT_KEY_ACTIVATION_DELAY: '0' },
        [CLI_JS, verb],
      );
    const first = await cli('keys:rotate');
    expect(first.code).toBe(0);
    const second = await cli('keys:rotate');
    expect(second.code).toBe(0);
    const kids = [first.stdout, second.stdout].map(
      (out) => /New signing key: (\S+)/.exec(out)?.[1],
    );
    expect(kids[0]).toBeDefined();
    expect(kids[1]).toBeDefined();
    expect(kids[0]).not.toBe(kids[1]);
    expect((await cli('no-such-verb')).code).toBe(2);

    const server = await startServerProcess({ DATABASE_URL: database.url });
    try {
      const jwks = (await (await fetch(`${server.baseUrl}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining(kids as string[]));
      await fetch(`${server.baseUrl}/api/users`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'rotator', password: 'rotator-pass' }),
      });
      const { access_token } = (await (
        await fetch(`${server.baseUrl}/v1/auth`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'rotator', password: 'rotator-pass' }),
        })
      ).json()) as { access_token: string };
      const header = JSON.parse(
        Buffer.from(access_token.split('.')[0], 'base64url').toString(),
      ) as {
        kid: string;
      };
      expect(header.kid).toBe(kids[1]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    // Four processes start one after another (three CLI runs, then the server), each loading the
    // whole app: on two busy cores that alone took over the default 30 s.
  }, 90_000);
});
