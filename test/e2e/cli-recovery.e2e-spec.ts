import { randomBytes } from 'node:crypto';
import { generateSync } from 'otplib';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  enrolTotp,
  everyCredentialOf,
  stillLive,
  type Credentials,
} from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import { addPasskey, authenticatorFor, passkeySignIn } from '../support/passkeys.js';
import { type CliRun, runCliOn } from '../support/server-process.js';

/**
 * What an operator does at the command line when the API cannot help (the only admin locked out,
 * an authenticator lost): each verb run as the built `gatehouse` binary against the database of a
 * running deployment, its effect seen over HTTP, and each change an audit event of api `cli`.
 */

const PASSWORD = 'recovery-pass-1234';
const NEW_PASSWORD = 'brand-new-pass-5678';
const WRONG_PASSWORD = 'not-the-password-1';
const ADMIN = { username: 'only-admin', password: 'admin-pass-1234' };
const APP_ENV = {
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};
const LIST_HEADER = 'id\tusername\tprivilege\tenabled\tlocked\tsecond-factor';

let database: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp(APP_ENV, database);
});

afterAll(async () => {
  await t.close();
  await database.drop();
});

/**
 * Runs the built CLI with `args` against the deployment's database, `input` on its standard
 * input (a pipe). Nothing else is configured: not the admin's variables, not the second factor's
 * key, which the operator's shell need not hold for any of these verbs.
 */
function cli(args: string[], input = ''): Promise<CliRun> {
  return runCliOn(database.url, args, { input });
}

function expectDone(run: CliRun, stdout: RegExp): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(stdout);
}

/** A failure as the CLI reports it: its exit code and one line, no stack trace. */
function expectOneLineFailure(run: CliRun, code: number, message: RegExp): void {
  expect(run.code).toBe(code);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** A JWT API login's status: 200 in, 401 refused, 429 locked. */
async function loginStatus(user: Credentials, otp?: string): Promise<number> {
  const res = await t
    .http()
    .post('/v1/auth')
    .send({ username: user.username, password: user.password, otp });
  return res.status;
}

/** The `users:list` lines (header left out) of the users among `names`. */
async function listedLines(names: string[], ...options: string[]): Promise<string[]> {
  const run = await cli(['users:list', ...options]);
  expectDone(run, new RegExp(`^${LIST_HEADER}\n`));
  return run.stdout
    .trimEnd()
    .split('\n')
    .slice(1)
    .filter((line) => names.includes(line.split('\t')[1]));
}

interface AuditRow {
  type: string;
  outcome: string;
  userId: number | null;
  actorId: number | null;
  address: string | null;
  detail: Record<string, unknown>;
}

/** The audit events the command line recorded about `userId`, oldest first. */
async function cliEventsOf(userId: number): Promise<AuditRow[]> {
  const rows = await sql(
    t,
    `SELECT * FROM "audit_event" WHERE "api" = 'cli' AND "userId" = $1 ORDER BY "id"`,
    [userId],
  );
  return rows.map((row) => ({
    type: row.type as string,
    outcome: row.outcome as string,
    userId: Number(row.userId),
    actorId: row.actorId as number | null,
    address: row.address as string | null,
    detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<
      string,
      unknown
    >,
  }));
}

/** An event as the command line records it: no admin account, no address. */
const byCli = (userId: number, type: string, detail: Record<string, unknown>) => ({
  type,
  outcome: 'success',
  userId,
  actorId: null,
  address: null,
  detail: expect.objectContaining(detail) as unknown,
});

async function newUser(prefix: string): Promise<TestUser> {
  return registerUser(t, uniqueName(prefix), PASSWORD);
}

describe('CLI recovery: users:list', { timeout: 120_000 }, () => {
  it('prints a header and one tab-separated line per user, never a hash; filters by prefix, privilege, disabled', async () => {
    const ann = await registerUser(t, 'list-ann', PASSWORD);
    const bob = await registerUser(t, 'list-bob', PASSWORD);
    const [admin] = await sql(t, `SELECT "id" FROM "user" WHERE "username" = $1`, [ADMIN.username]);
    await sql(t, `UPDATE "user" SET "enabled" = false WHERE "id" = $1`, [bob.id]);

    const run = await cli(['users:list']);
    expectDone(run, new RegExp(`^${LIST_HEADER}\n`));
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toContain(`${Number(admin.id)}\tonly-admin\tadmin\tyes\tno\tno`);
    expect(lines).toContain(`${ann.id}\tlist-ann\tuser\tyes\tno\tno`);
    expect(lines).toContain(`${bob.id}\tlist-bob\tuser\tno\tno\tno`);
    const [{ passwordHash }] = await sql(t, `SELECT "passwordHash" FROM "user" WHERE "id" = $1`, [
      ann.id,
    ]);
    expect(run.stdout).not.toContain(passwordHash as string);
    expect(run.stdout).not.toMatch(/\$2[aby]\$/);

    const names = ['only-admin', 'list-ann', 'list-bob'];
    expect(await listedLines(names, '--search', 'LIST-')).toEqual([
      `${ann.id}\tlist-ann\tuser\tyes\tno\tno`,
      `${bob.id}\tlist-bob\tuser\tno\tno\tno`,
    ]);
    expect(await listedLines(names, '--privilege', 'admin')).toEqual([
      `${Number(admin.id)}\tonly-admin\tadmin\tyes\tno\tno`,
    ]);
    expect(await listedLines(names, '--disabled')).toEqual([
      `${bob.id}\tlist-bob\tuser\tno\tno\tno`,
    ]);

    const listings = await sql(
      t,
      `SELECT "outcome", "userId", "actorId", "address", "detail" FROM "audit_event" ` +
        `WHERE "type" = 'user.list' AND "api" = 'cli' ORDER BY "id"`,
    );
    expect(
      listings.map(({ detail, ...row }) => ({
        ...row,
        detail: typeof detail === 'string' ? JSON.parse(detail) : detail,
      })),
    ).toEqual([
      {
        outcome: 'success',
        userId: null,
        actorId: null,
        address: null,
        detail: { listed: lines.length - 1 },
      },
      {
        outcome: 'success',
        userId: null,
        actorId: null,
        address: null,
        detail: { search: 'LIST-', listed: 2 },
      },
      {
        outcome: 'success',
        userId: null,
        actorId: null,
        address: null,
        detail: { privilege: 'admin', listed: 1 },
      },
      {
        outcome: 'success',
        userId: null,
        actorId: null,
        address: null,
        detail: { disabled: true, listed: 1 },
      },
    ]);
  });
});

describe('CLI recovery: users:set-password', { timeout: 120_000 }, () => {
  it('sets the piped first line as the password, found as a login finds the name; every earlier credential ends', async () => {
    const user = await newUser('pw');
    const credentials = await everyCredentialOf(t, user);

    const run = await cli(
      ['users:set-password', user.username.toUpperCase()],
      `${NEW_PASSWORD}\nnot part of it\n`,
    );
    expectDone(
      run,
      new RegExp(
        `^Password of ${user.username} \\(id ${user.id}\\) set: 1 session\\(s\\) and 1 user token\\(s\\) ended`,
      ),
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain(NEW_PASSWORD);

    expect(await stillLive(t, credentials)).toEqual({
      jwt: false,
      userToken: false,
      restToken: false,
      session: false,
    });
    expect(await loginStatus(user)).toBe(401);
    expect(await loginStatus({ username: user.username, password: NEW_PASSWORD })).toBe(200);
    expect(await cliEventsOf(user.id)).toEqual([
      byCli(user.id, 'password.change', {
        action: 'reset',
        sessionsEnded: 1,
        userTokensRevoked: 1,
      }),
    ]);
    expect(JSON.stringify(await cliEventsOf(user.id))).not.toContain(NEW_PASSWORD);
  });

  it('applies the password policy, changing nothing when it refuses; no password at all is a usage error', async () => {
    const user = await newUser('pw-policy');
    const token = await accessTokenFor(t, user);

    expectOneLineFailure(
      await cli(['users:set-password', user.username], 'short\n'),
      1,
      /^password must be at least 8 characters/,
    );
    const none = await cli(['users:set-password', user.username], '');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^users:set-password needs the new password on standard input/);

    expect(await loginStatus(user)).toBe(200);
    const res = await t.http().get('/api/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(await cliEventsOf(user.id)).toEqual([]);
  });
});

describe('CLI recovery: users:disable and users:enable', { timeout: 120_000 }, () => {
  it('a disabled user cannot log in and their credentials end; enabled again, they log in', async () => {
    const user = await newUser('disable');
    const credentials = await everyCredentialOf(t, user);

    expectDone(
      await cli(['users:disable', user.username]),
      new RegExp(`^Disabled ${user.username} \\(id ${user.id}\\)`),
    );
    expect(await loginStatus(user)).toBe(401);
    expect(await stillLive(t, credentials)).toEqual({
      jwt: false,
      userToken: false,
      restToken: false,
      session: false,
    });

    expectDone(
      await cli(['users:enable', user.username]),
      new RegExp(`^Enabled ${user.username} \\(id ${user.id}\\)\n$`),
    );
    expect(await loginStatus(user)).toBe(200);
    // What the disable ended stays ended.
    expect((await stillLive(t, credentials)).jwt).toBe(false);

    expect(await cliEventsOf(user.id)).toEqual([
      byCli(user.id, 'admin.change', {
        action: 'user.update',
        fields: 'enabled',
        sessionsEnded: 1,
        userTokensRevoked: 1,
      }),
      byCli(user.id, 'admin.change', { action: 'user.update', fields: 'enabled' }),
    ]);
  });
});

describe('CLI recovery: users:unlock', { timeout: 120_000 }, () => {
  it('after a lockout, lets the right password in at once and clears the count', async () => {
    const user = await newUser('unlock');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect(await loginStatus({ username: user.username, password: WRONG_PASSWORD })).toBe(401);
    }
    expect(await loginStatus(user)).toBe(429);
    const [locked] = await listedLines([user.username]);
    expect(locked).toMatch(
      new RegExp(`^${user.id}\t${user.username}\tuser\tyes\tuntil \\d{4}-\\d\\d-\\d\\dT\\S+Z\tno$`),
    );

    expectDone(
      await cli(['users:unlock', user.username]),
      new RegExp(`^Unlocked ${user.username} \\(id ${user.id}\\)`),
    );
    const [state] = await sql(
      t,
      `SELECT "failedLoginCount", "lockedUntil" FROM "user" WHERE "id" = $1`,
      [user.id],
    );
    expect({ count: Number(state.failedLoginCount), until: state.lockedUntil }).toEqual({
      count: 0,
      until: null,
    });
    expect(await loginStatus(user)).toBe(200);
    expect(await cliEventsOf(user.id)).toEqual([
      byCli(user.id, 'admin.change', {
        action: 'user.unlock',
        failedLoginCount: 5,
        wasLocked: true,
      }),
    ]);
  });
});

describe('CLI recovery: the only admin lost their authenticator', { timeout: 180_000 }, () => {
  it('ADMIN_PASSWORD at a restart keeps the factor; users:reset-second-factor removes it and the password alone logs in', async () => {
    await enrolTotp(t, ADMIN, (secret) => generateSync({ secret }));

    const askedForCode = async () => {
      const res = await t.http().post('/v1/auth').send(ADMIN);
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('A second factor is required!');
    };
    await askedForCode();

    // Restarting with ADMIN_USERNAME/ADMIN_PASSWORD brings the password in line, never the factor.
    await t.close();
    t = await startTestApp(APP_ENV, database);
    await askedForCode();
    const [{ id }] = await sql(t, `SELECT "id" FROM "user" WHERE "username" = $1`, [
      ADMIN.username,
    ]);
    const adminId = Number(id);
    expect(await listedLines([ADMIN.username], '--privilege', 'admin')).toEqual([
      `${adminId}\tonly-admin\tadmin\tyes\tno\tyes`,
    ]);

    expectDone(
      await cli(['users:reset-second-factor', 'ONLY-ADMIN']),
      new RegExp(
        `^Second factor of only-admin \\(id ${adminId}\\) removed: TOTP and its recovery codes; ` +
          'their next login needs no code\n$',
      ),
    );
    expect(await loginStatus(ADMIN)).toBe(200);
    const left = await sql(
      t,
      `SELECT (SELECT COUNT(*) FROM "totp_factor" WHERE "userId" = $1) AS "factors", ` +
        `(SELECT COUNT(*) FROM "totp_recovery_code" WHERE "userId" = $2) AS "codes"`,
      [adminId, adminId],
    );
    expect({ factors: Number(left[0].factors), codes: Number(left[0].codes) }).toEqual({
      factors: 0,
      codes: 0,
    });

    expectDone(
      await cli(['users:reset-second-factor', ADMIN.username]),
      /^only-admin \(id \d+\) had no second factor on; their next login needs no code\n$/,
    );
    expect(await cliEventsOf(adminId)).toEqual([
      byCli(adminId, 'second-factor.disable', { action: 'reset', wasOn: true }),
      byCli(adminId, 'second-factor.disable', { action: 'reset', wasOn: false }),
    ]);
  });
});

describe(
  'CLI recovery: a user who lost the authenticator that held their passkeys',
  { timeout: 180_000 },
  () => {
    it('users:reset-second-factor removes their passkeys too, says how many and audits each', async () => {
      const user = await newUser('cli-pk');
      const first = authenticatorFor(t);
      const { id: firstId } = await addPasskey(t, user, first, { name: 'Phone' });
      const { id: secondId } = await addPasskey(t, user, authenticatorFor(t), { name: 'Key' });
      expect((await passkeySignIn(t, first)).status).toBe(200);

      expectDone(
        await cli(['users:reset-second-factor', user.username]),
        new RegExp(
          `^Second factor of ${user.username} \\(id ${user.id}\\) removed: 2 passkeys; ` +
            'their next login needs no code\n$',
        ),
      );
      expect((await passkeySignIn(t, first)).status).toBe(401);
      expect(await loginStatus(user)).toBe(200);
      expect(await cliEventsOf(user.id)).toEqual([
        byCli(user.id, 'second-factor.disable', { action: 'reset', wasOn: false }),
        byCli(user.id, 'credential.change', {
          credential: 'passkey',
          action: 'remove',
          passkeyId: firstId,
          name: 'Phone',
          reason: 'second-factor-reset',
        }),
        byCli(user.id, 'credential.change', {
          credential: 'passkey',
          action: 'remove',
          passkeyId: secondId,
          name: 'Key',
          reason: 'second-factor-reset',
        }),
      ]);
    });
  },
);

describe('CLI recovery: an unknown user', { timeout: 180_000 }, () => {
  it.each([
    [['users:set-password', 'nobody'], NEW_PASSWORD],
    [['users:disable', 'nobody'], ''],
    [['users:enable', 'nobody'], ''],
    [['users:unlock', 'nobody'], ''],
    [['users:reset-second-factor', 'nobody'], ''],
  ])('%j exits 1 with one line naming the user', async (args, input) => {
    expectOneLineFailure(await cli(args, input), 1, /^No user named nobody$/);
  });
});
