import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RevokedToken } from '../../src/credentials/access-tokens/entities/revoked-token.entity.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { decodeJwt, sql } from '../support/fixtures.js';
import { type CliOptions, type CliRun, runCliOn, runCliWith } from '../support/server-process.js';

/**
 * The command line, run as the built `gatehouse` binary against a database of its own:
 * exit 0 when done, 1 with one line when it failed, 2 when called wrongly; a password never as an
 * argument; every change to users or keys audited. `--help` and a usage error answer before anything
 * starts: no configuration read, no database opened, no file made.
 */

const PASSWORD = 'cli-pass-1234';
const ALL_VERBS = [
  'users:list',
  'users:create',
  'users:import',
  'users:set-password',
  'users:set-scope',
  'users:disable',
  'users:enable',
  'users:unlock',
  'users:reset-second-factor',
  'keys:rotate',
  'clients:create',
  'migrations:run',
  'purge',
];

/** Runs the built CLI with `args` against `database`, `env` added. */
function runCli(
  database: TestDatabase,
  args: string[],
  options: Pick<CliOptions, 'input' | 'env'> = {},
): Promise<CliRun> {
  return runCliOn(database.url, args, options);
}

/** A failure as the CLI must report it: its exit code and one line, no stack trace. */
function expectOneLineFailure(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

async function cliEvents(t: TestApp): Promise<Record<string, unknown>[]> {
  return sql(t, `SELECT * FROM "audit_event" WHERE "api" = 'cli' ORDER BY "id"`);
}

describe('CLI: --help and usage errors start nothing', { timeout: 60_000 }, () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  /**
   * In an empty directory with nothing configured, where a start would make the default database
   * (./data/gatehouse.sqlite) and the second factor's key beside it.
   */
  const inScratch = (args: string[], env: Record<string, string> = {}) =>
    runCliWith(args, { cwd: scratch, env, timeoutMs: 20_000 });

  it.each([
    [['--help']],
    [['users:create', '--help']],
    [['help', 'keys:rotate']],
    [['users:list', '--help']],
    [['users:set-password', '--help']],
    [['users:disable', '--help']],
    [['users:enable', '--help']],
    [['users:unlock', '--help']],
    [['users:reset-second-factor', '--help']],
  ])('%j answers, exits 0 and creates no file', async (args) => {
    const run = await inScratch(args);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: gatehouse /);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('--help lists every verb and reads no configuration: values that stop every verb do not stop it', async () => {
    const run = await inScratch(['--help'], { DATABASE_URL: 'mysql://nope', BCRYPT_COST: 'lots' });
    expect(run.code).toBe(0);
    for (const verb of ALL_VERBS) expect(run.stdout).toContain(verb);
  });

  it.each([
    [[], /^Usage: gatehouse /],
    [['no-such-verb'], /^error: unknown command 'no-such-verb'\nUsage: gatehouse <verb> /],
    [
      ['users:create'],
      /^error: missing required argument 'username'\nUsage: gatehouse users:create \[options\] <username> /,
    ],
    [
      ['users:create', 'one', 'two'],
      /^error: too many arguments for 'users:create'.*\nUsage: gatehouse users:create /,
    ],
    [
      ['users:set-scope'],
      /^error: missing required argument 'username'\nUsage: gatehouse users:set-scope \[options\] <username> \[scope\] /,
    ],
    [['purge', '--bogus'], /^error: unknown option '--bogus'\nUsage: gatehouse purge /],
    [
      ['users:create', 'someone'],
      /^users:create needs a password: pipe it in with --password-stdin or set GATEHOUSE_PASSWORD\nUsage: gatehouse users:create /,
    ],
    [
      ['clients:create', 'has spaces'],
      /^name must be .*\nUsage: gatehouse clients:create \[options\] <name> /,
    ],
    [
      ['users:list', '--privilege', 'root'],
      /^--privilege must be one of user, admin\nUsage: gatehouse users:list \[options\] /,
    ],
    [['users:list', 'someone'], /^error: too many arguments for 'users:list'/],
    [
      ['users:set-password'],
      /^error: missing required argument 'username'\nUsage: gatehouse users:set-password /,
    ],
    [
      ['users:set-password', 'someone', 'hunter2-password'],
      /^error: too many arguments for 'users:set-password'.*\nUsage: gatehouse users:set-password /,
    ],
    [
      ['users:set-password', 'someone'],
      /^users:set-password needs the new password on standard input: type it at the prompt or pipe it in\nUsage: gatehouse users:set-password /,
    ],
    [
      ['users:disable'],
      /^error: missing required argument 'username'\nUsage: gatehouse users:disable \[options\] <username> /,
    ],
    [['users:enable', 'one', 'two'], /^error: too many arguments for 'users:enable'/],
    [
      ['users:unlock'],
      /^error: missing required argument 'username'\nUsage: gatehouse users:unlock /,
    ],
    [
      ['users:reset-second-factor', '--all'],
      /^error: unknown option '--all'\nUsage: gatehouse users:reset-second-factor /,
    ],
  ])('a usage error, %j, exits 2 with the usage line and creates no file', async (args, stderr) => {
    const run = await inScratch(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(stderr);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(scratch)).toEqual([]);
  });
});

// Each run of a verb boots the modules it needs: seconds apiece on a loaded machine.
describe('CLI: migrations:run', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('builds the schema of an empty database, and is a no-op the second time', async () => {
    for (let round = 0; round < 2; round += 1) {
      const run = await runCli(database, ['migrations:run']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Schema up to date: \d+ migrations applied, the latest \w+\n$/);
    }
    const t = await startTestApp({}, database);
    try {
      expect((await sql(t, 'SELECT COUNT(*) AS "count" FROM "user"'))[0].count).toBeDefined();
    } finally {
      await t.close();
    }
  });
});

describe('CLI verbs against a running deployment', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp({}, database);
  });
  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  const cli = (args: string[], options?: Parameters<typeof runCli>[2]) =>
    runCli(database, args, options);

  /** The access JWT's `sub_type` of a user logging in over the JWT API. */
  async function privilegeOf(username: string, password: string): Promise<unknown> {
    const res = await t.http().post('/v1/auth').send({ username, password });
    expect(res.status).toBe(200);
    return decodeJwt(res.body.access_token as string).payload.sub_type;
  }

  it('users:create reads the password from standard input; the user logs in over HTTP', async () => {
    const run = await cli(['users:create', 'piped', '--password-stdin'], {
      input: `${PASSWORD}\n`,
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Created user piped \(id \d+\)\n$/);

    const res = await t.http().get('/api/resource').set('Authorization', basic('piped', PASSWORD));
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('piped');
    expect(await privilegeOf('piped', PASSWORD)).toBe('user');
    // Only the line break that ends the input is dropped: it is not part of the password.
    expect(
      (
        await t
          .http()
          .get('/api/resource')
          .set('Authorization', basic('piped', `${PASSWORD}\n`))
      ).status,
    ).toBe(401);
  });

  it('users:create --admin makes an admin, with the password from GATEHOUSE_PASSWORD', async () => {
    const run = await cli(['users:create', 'chief', '--admin'], {
      env: { GATEHOUSE_PASSWORD: PASSWORD },
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Created admin chief/);
    expect(await privilegeOf('chief', PASSWORD)).toBe('admin');
  });

  it('exits 1 with one line when the change cannot be made, and never prints the password', async () => {
    const taken = await cli(['users:create', 'PIPED', '--password-stdin'], { input: PASSWORD });
    expectOneLineFailure(taken, 1, /^username is already taken$/);
    const weak = await cli(['users:create', 'weakling', '--password-stdin'], { input: 'short' });
    expectOneLineFailure(weak, 1, /at least 8 characters/);
    const badName = await cli(['users:create', 'has:colon', '--password-stdin'], {
      input: PASSWORD,
    });
    expectOneLineFailure(badName, 1, /^username must be/);
    expectOneLineFailure(
      await cli(['users:set-scope', 'nobody', 'x']),
      1,
      /^No user named nobody$/,
    );
    for (const run of [taken, weak, badName]) {
      expect(`${run.stdout}${run.stderr}`).not.toContain(PASSWORD);
    }
    expect((await privilegeOf('piped', PASSWORD)) as string).toBe('user');
  });

  it('exits 1 with one line on a bad configuration', async () => {
    const run = await cli(['purge'], { env: { DATABASE_URL: 'mysql://nope' } });
    expectOneLineFailure(run, 1, /^Invalid configuration: .*DATABASE_URL/);
  });

  it('users:set-scope and keys:rotate still work', async () => {
    const scoped = await cli(['users:set-scope', 'piped', 'sleep:read']);
    expect(scoped).toMatchObject({ code: 0, stdout: 'Scope of piped: sleep:read\n' });
    const res = await t.http().post('/v1/auth').send({ username: 'piped', password: PASSWORD });
    expect(decodeJwt(res.body.access_token as string).payload.scope).toBe('sleep:read');

    const rotatedAt = Date.now();
    const rotated = await cli(['keys:rotate']);
    expect(rotated.code).toBe(0);
    const [, kid, signsFrom] =
      /^New signing key: (\S+) signs from (\S+)\n$/.exec(rotated.stdout) ?? [];
    expect(kid).toBeDefined();
    const keys = await sql(t, 'SELECT "kid" FROM "signing_key"');
    expect(keys.map((key) => key.kid)).toContain(kid);
    // It starts signing after the default delay, twice the key set's max-age of 300 s.
    expect(Date.parse(signsFrom) - rotatedAt).toBeGreaterThanOrEqual(600_000);
    expect(Date.parse(signsFrom) - Date.now()).toBeLessThanOrEqual(600_000);
  });

  it('audits every change to users and keys, as api "cli", without a secret', async () => {
    const events = await cliEvents(t);
    const summary = events.map((event) => {
      const detail = (
        typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail
      ) as Record<string, unknown>;
      return `${String(event.type)} ${String(event.outcome)} ${String(detail.action)} ${String(event.username)}`;
    });
    expect(summary).toEqual([
      'admin.change success users.create piped',
      'admin.change success users.create chief',
      'admin.change success users.set-scope piped',
      'admin.change success keys.rotate null',
    ]);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('purge deletes what has expired once and prints how many of each kind went', async () => {
    await t.db.getRepository(RevokedToken).insert([
      { jti: 'cli-dead-1', expiresAt: new Date(Date.now() - 3_600_000) },
      { jti: 'cli-dead-2', expiresAt: new Date(Date.now() - 3_600_000) },
      { jti: 'cli-live', expiresAt: new Date(Date.now() + 3_600_000) },
    ]);
    // The events of the changes above: no stream is subscribed, so none is owed to anyone.
    const [{ n: securityEvents }] = await sql(t, 'SELECT COUNT(*) AS n FROM "security_event"');
    const run = await cli(['purge']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim().split('\n')).toEqual([
      'userTokens: 0',
      'sessions: 0',
      'revokedTokens: 2',
      'usedRsaSalts: 0',
      'webauthnChallenges: 0',
      'loginFailures: 0',
      'auditEvents: 0',
      `securityEvents: ${Number(securityEvents)}`,
    ]);
    const left = await t.db.getRepository(RevokedToken).find();
    expect(left.map((row) => row.jti)).toEqual(['cli-live']);
  });
});
