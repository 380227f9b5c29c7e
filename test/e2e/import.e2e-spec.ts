import { createHash, pbkdf2Sync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcrypt';
import { AT_BOUNDS_VECTORS, IMPORTED_HASH_VECTORS } from '../fixtures/imported-hashes/vectors.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import {
  accessTokenFor,
  securityTokenFor,
  sessionFor,
  sessionIsLive,
  tokenStatus,
  userTokenFor,
} from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { decodeJwt, sql, uniqueName } from '../support/fixtures.js';
import { type CliRun, runCliOn } from '../support/server-process.js';
import { scratchSchema, type ScratchSchema } from '../support/migrations.js';
import { migrations } from '../../src/database/migrations/index.js';
import { ImportDigests1765300000000 } from '../../src/database/migrations/1765300000000-import-digests.js';

/**
 * Importing users, by the built `users:import` command and by
 * `POST /api/admin/users/import`: hashes made by each format's own reference implementation
 * (test/fixtures/imported-hashes, generate.sh) verify at login through every API and are replaced
 * by bcrypt at the first one; refused lines are named and store nothing.
 */

const ADMIN = { username: 'import-admin', password: 'import-admin-password-1' };
const IMPORT_MAX_BYTES = 16_384;
const HEX40 = 'ef'.repeat(20);
const HEX64 = 'ab'.repeat(32);
const HEX128 = 'cd'.repeat(64);
/** An argon2id PHC string with these parameters (its salt and hash are well-formed, not real). */
const argon2Of = (params: string) => `$argon2id$v=19$${params}$c29tZXNhbHQ$aGFzaGhhc2hoYXNo`;

let database: TestDatabase;
let t: TestApp;
let adminJwt: string;

/** Runs the built CLI with `args`, `input` on its standard input (closed in any case). */
function runCli(args: string[], input = ''): Promise<CliRun> {
  return runCliOn(database.url, args, { input, timeoutMs: 60000 });
}

const jsonLines = (lines: object[]) => lines.map((line) => `${JSON.stringify(line)}\n`).join('');

/** The counts line the command prints first. */
const countsLine = ({ created = 0, updated = 0, unchanged = 0, skipped = 0, refused = 0 }) =>
  `created ${created}, updated ${updated}, unchanged ${unchanged}, skipped ${skipped}, refused ${refused}`;

/** The admin route's summary: nothing but what `given` says. */
const summaryOf = (given: object) => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  refused: 0,
  matched: [],
  updatedUsers: [],
  skippedUsers: [],
  refusedLines: [],
  ...given,
});

async function storedUser(username: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await sql(t, 'SELECT * FROM "user" WHERE "username" = $1', [username]);
  return row;
}

async function groupsOf(username: string): Promise<string[]> {
  const rows = await sql(
    t,
    'SELECT g."name" FROM "group" g JOIN "user_group" ug ON ug."groupId" = g."id" ' +
      'JOIN "user" u ON u."id" = ug."userId" WHERE u."username" = $1 ORDER BY g."name"',
    [username],
  );
  return rows.map((row) => String(row.name));
}

/** Logs in through each of the five APIs' password logins, each of which must succeed. */
async function logsInEverywhere(username: string, password: string): Promise<void> {
  await accessTokenFor(t, { username, password });
  const restAuth = await t.api.GET('/api/token', {
    headers: { Authorization: basic(username, password) },
  });
  expect(restAuth.response.status).toBe(200);
  await securityTokenFor(t, { username, password });
  await userTokenFor(t, { username, password });
  await sessionFor(t, { username, password });
}

function importOverHttp(body: string, { query = '', jwt = adminJwt } = {}) {
  return t
    .http()
    .post(`/api/admin/users/import${query}`)
    .set('Authorization', `Bearer ${jwt}`)
    .set('Content-Type', 'application/x-ndjson')
    .send(body);
}

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp(
    {
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      IMPORT_MAX_BYTES: String(IMPORT_MAX_BYTES),
    },
    database,
  );
  adminJwt = await accessTokenFor(t, ADMIN);
}, 240_000);
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

describe('users:import: hashes of every format, by their own reference implementations', () => {
  const named = IMPORTED_HASH_VECTORS.map((vector, i) => ({
    ...vector,
    username: `vector-${i}-${vector.format}`,
  }));

  beforeAll(async () => {
    const run = await runCli(
      ['users:import'],
      jsonLines(named.map(({ username, hash }) => ({ username, passwordHash: hash }))),
    );
    expect(run).toEqual({
      code: 0,
      stdout: `${countsLine({ created: named.length })}\n`,
      stderr: '',
    });
  }, 120_000);

  it.each(named.map((vector) => [vector.format, vector.source, vector]))(
    'a %s hash of %s verifies at login, is replaced by bcrypt at the configured cost, and logs in after',
    async (format, _, vector) => {
      const { username, password, wrong, hash } = vector;
      expect((await storedUser(username))!.passwordHash).toBe(hash);
      expect(
        (await t.api.POST('/v1/auth', { body: { username, password: wrong } })).response.status,
      ).toBe(401);
      expect(
        (await t.api.GET('/api/token', { headers: { Authorization: basic(username, wrong) } }))
          .response.status,
      ).toBe(401);

      const before = await storedUser(username);
      const firstJwt = await accessTokenFor(t, { username, password });
      const after = await storedUser(username);
      if (format.startsWith('bcrypt')) {
        // Already bcrypt at the test's cost (4): nothing to replace.
        expect(after!.passwordHash).toBe(hash);
      } else {
        expect(after!.passwordHash).toMatch(/^\$2b\$04\$/);
        expect(bcrypt.getRounds(String(after!.passwordHash))).toBe(t.config.bcryptCost);
      }
      // The same password: no credential ends, the version stays.
      expect(after!.credentialVersion).toBe(before!.credentialVersion);
      expect(await tokenStatus(t, firstJwt)).toBe('valid');

      await logsInEverywhere(username, password);
      expect(
        (await t.api.POST('/v1/auth', { body: { username, password: wrong } })).response.status,
      ).toBe(401);
    },
  );

  it('replaces an imported hash at the first login through REST-auth, Security, user-token and session logins too', async () => {
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    const scrypt = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'scrypt')!;
    const argon2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'argon2id')!;
    const users = [pbkdf2, scrypt, argon2, pbkdf2].map((vector) => ({
      ...vector,
      username: uniqueName('first-login'),
    }));
    const summary = await importOverHttp(
      jsonLines(users.map(({ username, hash }) => ({ username, passwordHash: hash }))),
    ).expect(200);
    expect(summary.body).toMatchObject({ created: 4, refused: 0 });
    const [restAuth, security, userToken, session] = users;
    await t.api.GET('/api/token', {
      headers: { Authorization: basic(restAuth.username, restAuth.password) },
    });
    await t.api.POST('/api/v1/security/authentication', {
      body: { username: security.username, password: security.password },
    });
    await userTokenFor(t, userToken);
    await sessionFor(t, session);
    for (const user of users) {
      expect((await storedUser(user.username))!.passwordHash).toMatch(/^\$2b\$04\$/);
    }
  });
});

describe('users:import: lines refused, skipped and updated', () => {
  const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
  const argon2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'argon2id')!;

  it('refuses a bad line whole, naming its number and field, and imports the good lines of its batch', async () => {
    const good = uniqueName('good');
    const alsoGood = uniqueName('also-good');
    const refusedNames = Array.from({ length: 9 }, () => uniqueName('refused'));
    const input = [
      JSON.stringify({
        username: good,
        passwordHash: pbkdf2.hash,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        description: 'imported',
        privilege: 'admin',
        scope: 'profile:read orders:write',
        groups: ['imported-team', 'imported-team-2'],
        enabled: false,
      }),
      '{"username": "broken json", "passwordHash": ',
      JSON.stringify({ passwordHash: pbkdf2.hash }),
      JSON.stringify({
        username: refusedNames[0],
        passwordHash: 'not-a-hash',
        groups: ['never-made'],
      }),
      JSON.stringify({
        username: refusedNames[1],
        passwordHash: `pbkdf2:sha256:10000001$salt$${HEX64}`,
      }),
      JSON.stringify({
        username: refusedNames[2],
        passwordHash: `scrypt:2097152:8:1$salt$${HEX128}`,
      }),
      JSON.stringify({ username: refusedNames[3], passwordHash: pbkdf2.hash, privilege: 'root' }),
      JSON.stringify({
        username: refusedNames[4],
        passwordHash: pbkdf2.hash,
        email: 'not an email',
      }),
      JSON.stringify({ username: refusedNames[5], passwordHash: pbkdf2.hash, password: 'plain' }),
      JSON.stringify({ username: 'bad:name', passwordHash: pbkdf2.hash }),
      JSON.stringify({ username: refusedNames[6], passwordHash: pbkdf2.hash, scope: 'a  b' }),
      JSON.stringify({ username: refusedNames[7], passwordHash: pbkdf2.hash, groups: [' '] }),
      '',
      JSON.stringify({ username: refusedNames[8], passwordHash: pbkdf2.hash, enabled: 'yes' }),
      '[1, 2]',
      JSON.stringify({ username: alsoGood, passwordHash: argon2.hash }),
    ].join('\r\n');
    const run = await runCli(['users:import'], input);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${countsLine({ created: 2, refused: 13 })}\n`);
    const stderr = run.stderr.trim().split('\n');
    expect(stderr.slice(0, -1)).toEqual([
      'line 2: the line is not JSON',
      'line 3 (username): username is required',
      expect.stringMatching(/^line 4 \(passwordHash\): passwordHash is not a hash format/),
      'line 5 (passwordHash): passwordHash has 10,000,001 pbkdf2 sha256 iterations: 1 to 1,300,000 are taken',
      expect.stringMatching(
        /^line 6 \(passwordHash\): passwordHash needs more than 64 MiB of scrypt memory/,
      ),
      expect.stringMatching(/^line 7 \(privilege\): privilege must be one of/),
      'line 8 (email): email must be an email',
      'line 9 (password): password is not a field of an import line',
      expect.stringMatching(/^line 10 \(username\): username must be 1 to 64 printable characters/),
      'line 11 (scope): scope must be space-separated words of printable characters',
      'line 12 (groups): groups must not hold a blank name',
      'line 14 (enabled): enabled must be a boolean value',
      'line 15: the line is not a JSON object',
    ]);
    expect(stderr.at(-1)).toMatch(/^13 line\(s\) refused/);
    // No hash is ever printed, not even a part of one.
    expect(run.stderr).not.toContain(HEX64.slice(0, 16));
    expect(run.stderr).not.toContain(pbkdf2.hash.slice(20, 40));

    for (const name of [...refusedNames, 'bad:name'])
      expect(await storedUser(name)).toBeUndefined();
    expect(await sql(t, `SELECT * FROM "group" WHERE "name" = 'never-made'`)).toEqual([]);
    expect(await storedUser(good)).toMatchObject({
      passwordHash: pbkdf2.hash,
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      description: 'imported',
      privilege: 'admin',
      scope: 'profile:read orders:write',
    });
    expect(Boolean((await storedUser(good))!.enabled)).toBe(false);
    expect(await groupsOf(good)).toEqual(['imported-team', 'imported-team-2']);
    const [team] = await sql(t, `SELECT * FROM "group" WHERE "name" = 'imported-team'`);
    expect(team.parentId).toBeNull();
    expect((await storedUser(alsoGood))!.passwordHash).toBe(argon2.hash);
    // The disabled user cannot log in, whatever their password.
    expect(
      (await t.api.POST('/v1/auth', { body: { username: good, password: pbkdf2.password } }))
        .response.status,
    ).toBe(401);
  });

  it('skips existing names (any case, reported), or with --update replaces them, ending their credentials only when the hash changes', async () => {
    const name = uniqueName('existing');
    await runCli(
      ['users:import'],
      jsonLines([{ username: name, passwordHash: pbkdf2.hash, firstName: 'Old' }]),
    );
    const jwt = await accessTokenFor(t, { username: name, password: pbkdf2.password });
    const session = await sessionFor(t, { username: name, password: pbkdf2.password });
    const rehashed = String((await storedUser(name))!.passwordHash);

    const skip = await runCli(
      ['users:import'],
      jsonLines([{ username: name.toUpperCase(), passwordHash: argon2.hash, firstName: 'New' }]),
    );
    expect(skip).toEqual({
      code: 0,
      stdout: `${countsLine({ skipped: 1 })}\nskipped: ${name}\n`,
      stderr: `line 1: "${name.toUpperCase()}" matches the existing user "${name}"\n`,
    });
    expect(await storedUser(name)).toMatchObject({ passwordHash: rehashed, firstName: 'Old' });

    // The same hash again, with --update: the profile changes, the credentials live on.
    const same = await runCli(
      ['users:import', '--update'],
      jsonLines([
        { username: name, passwordHash: rehashed, firstName: 'Same', groups: ['updated-team'] },
      ]),
    );
    expect(same).toMatchObject({
      code: 0,
      stdout: `${countsLine({ updated: 1 })}\nupdated: ${name}\n`,
    });
    expect(await storedUser(name)).toMatchObject({ firstName: 'Same' });
    expect(await groupsOf(name)).toEqual(['updated-team']);
    expect(await tokenStatus(t, jwt)).toBe('valid');
    expect(await sessionIsLive(t, session)).toBe(true);

    const replace = await runCli(
      ['users:import', '--update'],
      jsonLines([{ username: name, passwordHash: argon2.hash, firstName: 'New' }]),
    );
    expect(replace).toMatchObject({
      code: 0,
      stdout: `${countsLine({ updated: 1 })}\nupdated: ${name}\n`,
    });
    expect(await storedUser(name)).toMatchObject({ passwordHash: argon2.hash, firstName: 'New' });
    expect(await groupsOf(name)).toEqual(['updated-team']);
    expect(await tokenStatus(t, jwt)).toBe('invalid');
    expect(await sessionIsLive(t, session)).toBe(false);
    await logsInEverywhere(name, argon2.password);
    expect(
      (await t.api.POST('/v1/auth', { body: { username: name, password: pbkdf2.password } }))
        .response.status,
    ).toBe(401);
  });

  it('takes a name twice in one file as an existing name the second time, within a batch and across', async () => {
    const twice = uniqueName('twice');
    const filler = Array.from({ length: 1100 }, () => ({
      username: uniqueName('filler'),
      passwordHash: pbkdf2.hash,
    }));
    const lines = [
      { username: twice, passwordHash: pbkdf2.hash, firstName: 'First' },
      { username: twice.toUpperCase(), passwordHash: pbkdf2.hash, firstName: 'Second' },
      ...filler,
      { username: twice, passwordHash: pbkdf2.hash, firstName: 'Third' },
    ];
    const skipped = await runCli(['users:import'], jsonLines(lines));
    expect(skipped).toMatchObject({
      code: 0,
      stdout: `${countsLine({ created: 1101, skipped: 2 })}\nskipped: ${twice}, ${twice}\n`,
    });
    expect(await storedUser(twice)).toMatchObject({ firstName: 'First' });
    const renamed = lines.map((line) => ({ ...line, username: `u-${line.username}` }));
    const updated = await runCli(['users:import', '--update'], jsonLines(renamed));
    expect(updated).toMatchObject({
      code: 0,
      stdout: `${countsLine({ created: 1101, updated: 2 })}\nupdated: u-${twice}, u-${twice}\n`,
    });
    expect(await storedUser(`u-${twice}`)).toMatchObject({ firstName: 'Third' });
  });

  it('reads a FILE, and says in one line when it cannot', async () => {
    const missing = await runCli(['users:import', '/nonexistent/users.jsonl']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/ENOENT/);
  });
});

describe('Werkzeug pbkdf2 of each digest, as older and newer Flask apps stored it', () => {
  /** Werkzeug's generate_password_hash: hex, the salt's UTF-8 bytes, a key the digest's size. */
  const werkzeug = (password: string, digest: string, iterations: number, salt: string) => {
    const size = createHash(digest).digest().length;
    const key = pbkdf2Sync(password, salt, iterations, size, digest).toString('hex');
    return `pbkdf2:${digest}:${iterations}$${salt}$${key}`;
  };

  it.each([
    ['sha1', 1000, 'correct horse sha1'],
    ['sha256', 50_000, 'Grüße, Jürgen sha256'],
    ['sha512', 20_000, 'correct horse sha512'],
  ])(
    'takes pbkdf2:%s, logs in with it over HTTP and replaces it by bcrypt at the first login',
    async (digest, iterations, password) => {
      const username = uniqueName(`flask-${digest}`);
      const passwordHash = werkzeug(password, digest, iterations, 'Zd8gKQ2cfaD3TF1k');
      await importOverHttp(jsonLines([{ username, passwordHash }])).expect(200);
      expect((await storedUser(username))!.passwordHash).toBe(passwordHash);

      const wrong = await t.api.POST('/v1/auth', { body: { username, password: `${password}!` } });
      expect(wrong.response.status).toBe(401);
      expect((await storedUser(username))!.passwordHash).toBe(passwordHash);
      const restAuth = await t.api.GET('/api/token', {
        headers: { Authorization: basic(username, password) },
      });
      expect(restAuth.response.status).toBe(200);
      expect((await storedUser(username))!.passwordHash).toMatch(/^\$2b\$04\$/);
      await logsInEverywhere(username, password);
    },
  );
});

describe('users:import --update: what an update matches, changes and leaves alone', () => {
  const werkzeugSha1 = (password: string) =>
    `pbkdf2:sha1:1000$flasksalt$${pbkdf2Sync(password, 'flasksalt', 1000, 20, 'sha1').toString('hex')}`;
  /** An ASCII name in fullwidth letters, which NFKC folds onto it. */
  const fullwidth = (name: string) =>
    name.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

  it('reports names folded onto users spelled otherwise, skips admins, and a dry run writes nothing', async () => {
    const hawk = { username: uniqueName('hawk'), password: 'gatehouse-hawk-password-1' };
    expect(
      (await t.api.POST('/api/users', { body: { ...hawk, email: 'hawk@gatehouse.test' } })).response
        .status,
    ).toBe(201);
    const flask = { username: uniqueName('flask'), password: 'flask-user-password-1' };
    const given = hawk.username.replace('hawk', 'Hawk');
    const file = jsonLines([
      { username: given, passwordHash: werkzeugSha1('flask-hawk-1'), email: 'hawk@flask.test' },
      { username: fullwidth(ADMIN.username), passwordHash: werkzeugSha1('taken-over-1') },
      { username: flask.username, passwordHash: werkzeugSha1(flask.password) },
    ]);
    const adminName = JSON.stringify(fullwidth(ADMIN.username));
    const expectedStderr =
      `line 1: "${given}" matches the existing user "${hawk.username}"\n` +
      `line 2: ${adminName} matches the existing user "${ADMIN.username}"\n`;
    const report =
      `${countsLine({ created: 1, updated: 1, skipped: 1 })}\n` +
      `updated: ${hawk.username}\nskipped: ${ADMIN.username}\n`;
    const eventsBefore = await sql(t, `SELECT "id" FROM "audit_event"`);

    const dryRun = await runCli(['users:import', '--update', '--dry-run'], file);
    expect(dryRun).toEqual({
      code: 0,
      stdout: `dry run: nothing was written\n${report}`,
      stderr: expectedStderr,
    });
    expect(await storedUser(flask.username)).toBeUndefined();
    expect(await storedUser(hawk.username)).toMatchObject({ email: 'hawk@gatehouse.test' });
    expect(await sql(t, `SELECT "id" FROM "audit_event"`)).toHaveLength(eventsBefore.length);

    const run = await runCli(['users:import', '--update'], file);
    expect(run).toEqual({ code: 0, stdout: report, stderr: expectedStderr });
    // The name, the password the user set and the admin stay; the field the line names changes.
    expect(await storedUser(hawk.username)).toMatchObject({ email: 'hawk@flask.test' });
    await accessTokenFor(t, hawk);
    await accessTokenFor(t, ADMIN);
    expect(await tokenStatus(t, adminJwt)).toBe('valid');
    expect(
      (
        await t.api.POST('/v1/auth', {
          body: { username: ADMIN.username, password: 'taken-over-1' },
        })
      ).response.status,
    ).toBe(401);
  });

  it('changes nothing when the same file runs again, after logins upgraded its hashes', async () => {
    const flask = { username: uniqueName('rerun'), password: 'flask-rerun-password-1' };
    const file = jsonLines([
      { username: flask.username, passwordHash: werkzeugSha1(flask.password), firstName: 'Ada' },
    ]);
    expect(await runCli(['users:import', '--update'], file)).toMatchObject({ code: 0 });
    const jwt = await accessTokenFor(t, flask);
    const upgraded = (await storedUser(flask.username))!;
    expect(upgraded.passwordHash).toMatch(/^\$2b\$04\$/);
    await sql(t, `UPDATE "user" SET "firstName" = 'Ada (since)' WHERE "username" = $1`, [
      flask.username,
    ]);

    const again = await runCli(['users:import', '--update'], file);
    expect(again).toEqual({ code: 0, stdout: `${countsLine({ unchanged: 1 })}\n`, stderr: '' });
    expect(await storedUser(flask.username)).toMatchObject({
      passwordHash: upgraded.passwordHash,
      firstName: 'Ada (since)',
      credentialVersion: upgraded.credentialVersion,
    });
    expect(await tokenStatus(t, jwt)).toBe('valid');

    // A newer export with another hash: the password the login upgraded still stays.
    const newer = await importOverHttp(
      jsonLines([{ username: flask.username, passwordHash: werkzeugSha1('changed-in-flask-1') }]),
      { query: '?update=true' },
    ).expect(200);
    expect(newer.body).toEqual(summaryOf({ unchanged: 1 }));
    expect((await storedUser(flask.username))!.passwordHash).toBe(upgraded.passwordHash);
    expect(await tokenStatus(t, jwt)).toBe('valid');
  });

  it('replaces a hash still as its import stored it, ending the user’s tokens and sessions', async () => {
    const user = { username: uniqueName('replaced'), password: 'replaced-password-1' };
    // bcrypt at the test's cost: a login keeps it, so the user holds credentials over it.
    const imported = await bcrypt.hash(user.password, 4);
    await importOverHttp(jsonLines([{ username: user.username, passwordHash: imported }])).expect(
      200,
    );
    const jwt = await accessTokenFor(t, user);
    const session = await sessionFor(t, user);
    expect((await storedUser(user.username))!.passwordHash).toBe(imported);

    const line = jsonLines([{ username: user.username, passwordHash: werkzeugSha1('new-pass-1') }]);
    const dryRun = await importOverHttp(line, { query: '?update=true&dryRun=true' }).expect(200);
    expect(dryRun.body).toEqual(summaryOf({ updated: 1, updatedUsers: [user.username] }));
    expect(await tokenStatus(t, jwt)).toBe('valid');

    const res = await importOverHttp(line, { query: '?update=true' }).expect(200);
    expect(res.body).toEqual(dryRun.body);
    expect(await tokenStatus(t, jwt)).toBe('invalid');
    expect(await sessionIsLive(t, session)).toBe(false);
    await accessTokenFor(t, { username: user.username, password: 'new-pass-1' });
  });

  it('updates an admin only with --update-admins', async () => {
    const username = uniqueName('flask-admin');
    const first = werkzeugSha1('flask-admin-password-1');
    const second = werkzeugSha1('flask-admin-password-2');
    await runCli(
      ['users:import'],
      jsonLines([{ username, passwordHash: first, privilege: 'admin' }]),
    );
    const line = jsonLines([{ username, passwordHash: second, privilege: 'admin' }]);

    const update = await runCli(['users:import', '--update'], line);
    expect(update.stdout).toBe(`${countsLine({ skipped: 1 })}\nskipped: ${username}\n`);
    expect((await storedUser(username))!.passwordHash).toBe(first);

    const admins = await runCli(['users:import', '--update-admins'], line);
    expect(admins.stdout).toBe(`${countsLine({ updated: 1 })}\nupdated: ${username}\n`);
    expect((await storedUser(username))!.passwordHash).toBe(second);
  });

  it('names the first 100 users updated or skipped, then how many more', async () => {
    const names = Array.from({ length: 103 }, () => uniqueName('many'));
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    const file = jsonLines(names.map((username) => ({ username, passwordHash: pbkdf2.hash })));
    await importOverHttp(file).expect(200);
    const again = await runCli(['users:import'], file);
    expect(again.stdout).toBe(
      `${countsLine({ skipped: 103 })}\nskipped: ${names.slice(0, 100).join(', ')} and 3 more\n`,
    );
    const res = await importOverHttp(file).expect(200);
    expect(res.body).toEqual(summaryOf({ skipped: 103, skippedUsers: names.slice(0, 100) }));
  });

  it('takes update, updateAdmins and dryRun as described switches, with no example Swagger UI would send', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, { post: { parameters: Record<string, unknown>[] } }>;
    };
    const switches = ['update', 'updateAdmins', 'dryRun'];
    const parameters = doc.paths['/api/admin/users/import'].post.parameters.filter((parameter) =>
      switches.includes(String(parameter.name)),
    );
    expect(parameters).toHaveLength(switches.length);
    for (const parameter of parameters) {
      expect(parameter).not.toHaveProperty('example');
      expect(parameter.schema).not.toHaveProperty('example');
      expect(parameter.description).toEqual(expect.any(String));
    }
    await importOverHttp('', { query: '?dryRun=yes' }).expect(400);
  });
});

describe('migration ImportDigests', () => {
  const index = migrations.indexOf(ImportDigests1765300000000);
  let schema: ScratchSchema;
  beforeAll(async () => {
    schema = await scratchSchema();
  });
  afterAll(() => schema.close());

  it('records the hashes only an import can have stored, keeps the epoch triggers, and goes down again', async () => {
    await schema.migratedTo(index);
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    await schema.query(
      `INSERT INTO "user" ("username", "usernameKey", "passwordHash", "credentialsChangedAt") ` +
        `VALUES ('imported', 'imported', '${pbkdf2.hash}', CURRENT_TIMESTAMP), ` +
        `('own', 'own', '$2b$04$${'a'.repeat(53)}', CURRENT_TIMESTAMP)`,
    );

    await schema.migratedTo(index + 1);
    expect(
      await schema.query(
        'SELECT "username", "importedHashDigest", "importedLineDigest" FROM "user" ORDER BY "username"',
      ),
    ).toEqual([
      {
        username: 'imported',
        importedHashDigest: createHash('sha256').update(pbkdf2.hash).digest('hex'),
        importedLineDigest: null,
      },
      { username: 'own', importedHashDigest: null, importedLineDigest: null },
    ]);
    expect(await schema.movesEpoch('UPDATE "user" SET "importedHashDigest" = NULL')).toBe(false);
    expect(await schema.movesEpoch('UPDATE "user" SET "enabled" = false')).toBe(true);

    await schema.undoLast();
    await expect(schema.query('SELECT "importedHashDigest" FROM "user"')).rejects.toThrow();
    expect(await schema.movesEpoch('UPDATE "user" SET "enabled" = true')).toBe(true);
  });
});

describe('POST /api/admin/users/import', () => {
  const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;

  it('answers 200 with the summary when nothing is refused, and records who imported', async () => {
    const names = [uniqueName('http'), uniqueName('http')];
    const res = await importOverHttp(
      jsonLines(
        names.map((username) => ({ username, passwordHash: pbkdf2.hash, groups: ['http-team'] })),
      ),
    ).expect(200);
    expect(res.body).toEqual(summaryOf({ created: 2 }));
    await logsInEverywhere(names[0], pbkdf2.password);
    const [event] = await sql(
      t,
      `SELECT * FROM "audit_event" WHERE "type" = 'admin.change' AND "api" = 'admin' ORDER BY "id" DESC LIMIT 1`,
    );
    expect(event.actorId).toBe(Number(decodeJwt(adminJwt).payload.sub));
    expect(typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail).toEqual({
      action: 'users.import',
      update: false,
      updateAdmins: false,
      created: 2,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      refused: 0,
    });
  });

  it('answers 422 with the summary and each refused line, having imported the others', async () => {
    const existing = uniqueName('http-existing');
    await importOverHttp(jsonLines([{ username: existing, passwordHash: pbkdf2.hash }])).expect(
      200,
    );
    const fresh = uniqueName('http-fresh');
    const res = await importOverHttp(
      [
        JSON.stringify({ username: existing, passwordHash: pbkdf2.hash }),
        JSON.stringify({
          username: uniqueName('http-bad'),
          passwordHash: `scrypt:1024:8:9$s$${HEX128}`,
        }),
        JSON.stringify({ username: fresh, passwordHash: pbkdf2.hash }),
      ].join('\n'),
    ).expect(422);
    expect(res.body).toEqual({
      ...summaryOf({ created: 1, skipped: 1, skippedUsers: [existing] }),
      refused: 1,
      refusedLines: [
        {
          line: 2,
          field: 'passwordHash',
          message: 'passwordHash has scrypt r = 8, p = 9: r from 1 and p from 1 to 4 are taken',
        },
      ],
    });
    expect(await storedUser(fresh)).toBeDefined();
  });

  it('refuses a line that would disable or demote the admin importing, with updateAdmins=true', async () => {
    const lines = jsonLines([
      { username: ADMIN.username, passwordHash: pbkdf2.hash, enabled: false },
      { username: ADMIN.username, passwordHash: pbkdf2.hash, privilege: 'user' },
    ]);
    const skipped = await importOverHttp(lines, { query: '?update=true' }).expect(200);
    expect(skipped.body).toEqual(
      summaryOf({ skipped: 2, skippedUsers: [ADMIN.username, ADMIN.username] }),
    );
    const res = await importOverHttp(lines, { query: '?updateAdmins=true' }).expect(422);
    expect(res.body.refusedLines).toEqual([
      { line: 1, field: 'enabled', message: 'an admin cannot disable themselves' },
      { line: 2, field: 'privilege', message: 'an admin cannot demote themselves' },
    ]);
    expect(await tokenStatus(t, adminJwt)).toBe('valid');
  });

  it('answers 401 without a credential and 403 to a user who is not an admin, reading nothing', async () => {
    const line = jsonLines([{ username: uniqueName('never'), passwordHash: pbkdf2.hash }]);
    await t
      .http()
      .post('/api/admin/users/import')
      .set('Content-Type', 'application/x-ndjson')
      .send(line)
      .expect(401);
    const user = { username: uniqueName('plain-user'), password: 'plain-user-password-1' };
    await t.api.POST('/api/users', { body: user });
    await importOverHttp(line, { jwt: await accessTokenFor(t, user) }).expect(403);
    expect(await sql(t, `SELECT * FROM "user" WHERE "username" LIKE 'never-%'`)).toEqual([]);
  });

  it('answers 415 to a body that is not JSON lines, and the other routes 415 to JSON lines', async () => {
    await t
      .http()
      .post('/api/admin/users/import')
      .set('Authorization', `Bearer ${adminJwt}`)
      .send({ username: 'json', passwordHash: pbkdf2.hash })
      .expect(415);
    await t
      .http()
      .post('/api/admin/users/import')
      .set('Authorization', `Bearer ${adminJwt}`)
      .expect(415);
    await t
      .http()
      .post('/api/admin/groups')
      .set('Authorization', `Bearer ${adminJwt}`)
      .set('Content-Type', 'application/x-ndjson')
      .send('{"name":"ndjson"}\n')
      .expect(415);
  });

  it('answers 413 to a body over IMPORT_MAX_BYTES, declared or sent in chunks, importing nothing', async () => {
    const prefix = uniqueName('too-large');
    const lines = Array.from({ length: 200 }, (_, i) => ({
      username: `${prefix}-${i}`,
      passwordHash: pbkdf2.hash,
    }));
    const body = jsonLines(lines);
    expect(body.length).toBeGreaterThan(IMPORT_MAX_BYTES);
    const declared = await importOverHttp(body).expect(413);
    expect(declared.body.message).toMatch(/IMPORT_MAX_BYTES \(16384 bytes\); nothing was imported/);

    // Chunked, with no length declared: found out as it arrives.
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/admin/users/import',
          headers: {
            Authorization: `Bearer ${adminJwt}`,
            'Content-Type': 'application/x-ndjson',
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      for (let start = 0; start < body.length; start += 1024)
        req.write(body.slice(start, start + 1024));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).message).toMatch(/IMPORT_MAX_BYTES/);
    expect(await sql(t, 'SELECT * FROM "user" WHERE "username" LIKE $1', [`${prefix}-%`])).toEqual(
      [],
    );
  });

  it('imports the same names sent twice at once exactly once, neither request failing', async () => {
    const names = Array.from({ length: 50 }, () => uniqueName('race'));
    const body = jsonLines(names.map((username) => ({ username, passwordHash: pbkdf2.hash })));
    const answers = await Promise.all([importOverHttp(body), importOverHttp(body)]);
    expect(answers.map((res) => res.status)).toEqual([200, 200]);
    expect(answers.reduce((sum, res) => sum + Number(res.body.created), 0)).toBe(50);
    expect(answers.reduce((sum, res) => sum + Number(res.body.skipped), 0)).toBe(50);
  });
});

describe('work factors, bounded at import so that every stored hash can be checked', () => {
  it('takes each hash at its bound and refuses it one past, naming passwordHash', async () => {
    const atBound = [
      `pbkdf2:sha256:1300000$salt$${HEX64}`,
      `pbkdf2:sha1:3000000$salt$${HEX40}`,
      `pbkdf2:sha512:600000$salt$${HEX128}`,
      `scrypt:65536:8:4$salt$${HEX128}`,
      `scrypt:32768:1:1$salt$${HEX128}`,
      argon2Of('m=65536,t=10,p=4'),
    ];
    const pastBound: [string, string][] = [
      [
        `pbkdf2:sha256:1300001$salt$${HEX64}`,
        'has 1,300,001 pbkdf2 sha256 iterations: 1 to 1,300,000 are taken',
      ],
      [
        `pbkdf2:sha1:3000001$salt$${HEX40}`,
        'has 3,000,001 pbkdf2 sha1 iterations: 1 to 3,000,000 are taken',
      ],
      [
        `pbkdf2:sha512:600001$salt$${HEX128}`,
        'has 600,001 pbkdf2 sha512 iterations: 1 to 600,000 are taken',
      ],
      [
        `scrypt:65536:9:1$salt$${HEX128}`,
        'needs more than 64 MiB of scrypt memory (128·n·r bytes, n = 65,536, r = 9)',
      ],
      [
        `scrypt:16384:8:5$salt$${HEX128}`,
        'has scrypt r = 8, p = 5: r from 1 and p from 1 to 4 are taken',
      ],
      [
        `scrypt:65536:1:1$salt$${HEX128}`,
        'has scrypt n = 65,536 with r = 1, which cannot be verified: n must be below 2^(16·r)',
      ],
      [argon2Of('m=65537,t=10,p=4'), 'has argon2id m = 65,537: 8·p to 65,536 KiB are taken'],
      [argon2Of('m=65536,t=11,p=4'), 'has argon2id t = 11: 1 to 10 passes are taken'],
      [argon2Of('m=65536,t=10,p=5'), 'has argon2id p = 5: 1 to 4 lanes are taken'],
    ];
    const taken = atBound.map((passwordHash) => ({
      username: uniqueName('at-bound'),
      passwordHash,
    }));
    const refused = pastBound.map(([passwordHash]) => ({
      username: uniqueName('past-bound'),
      passwordHash,
    }));
    const res = await importOverHttp(jsonLines([...taken, ...refused])).expect(422);
    expect(res.body).toEqual({
      ...summaryOf({ created: taken.length }),
      refused: refused.length,
      refusedLines: pastBound.map(([, problem], i) => ({
        line: taken.length + i + 1,
        field: 'passwordHash',
        message: `passwordHash ${problem}`,
      })),
    });
    for (const { username, passwordHash } of taken)
      expect((await storedUser(username))!.passwordHash).toBe(passwordHash);
    for (const { username } of refused) expect(await storedUser(username)).toBeUndefined();
  });

  it('logs in with a hash at the bounds of scrypt with r = 1 (its largest n, p = 4), replacing it by bcrypt', async () => {
    const vector = AT_BOUNDS_VECTORS.find((candidate) =>
      candidate.hash.startsWith('scrypt:32768:1:4$'),
    )!;
    const username = uniqueName('r1-at-bound');
    await importOverHttp(jsonLines([{ username, passwordHash: vector.hash }])).expect(200);
    expect(
      (await t.api.POST('/v1/auth', { body: { username, password: vector.wrong } })).response
        .status,
    ).toBe(401);
    await accessTokenFor(t, { username, password: vector.password });
    expect((await storedUser(username))!.passwordHash).toMatch(/^\$2b\$04\$/);
  });

  it('answers a stored hash no one can check (written past the import) as a wrong password: 401, counted and audited, never a 500', async () => {
    const username = uniqueName('unverifiable');
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    await importOverHttp(jsonLines([{ username, passwordHash: pbkdf2.hash }])).expect(200);
    await sql(t, 'UPDATE "user" SET "passwordHash" = $1 WHERE "username" = $2', [
      `scrypt:65536:1:1$salt$${HEX128}`,
      username,
    ]);
    for (const attempt of [1, 2]) {
      const login = await t.api.POST('/v1/auth', { body: { username, password: pbkdf2.password } });
      expect(login.response.status).toBe(401);
      expect((await storedUser(username))!.failedLoginCount).toBe(attempt);
    }
    const session = await t.api.POST('/auth/login', {
      body: { login: username, password: pbkdf2.password },
    });
    expect(session.response.status).toBe(401);
    const events = await sql(
      t,
      `SELECT "outcome", "detail" FROM "audit_event" WHERE "type" = 'login' AND "username" = $1`,
      [username],
    );
    expect(
      events.map((event) => ({
        outcome: event.outcome,
        detail: typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail,
      })),
    ).toEqual(
      [1, 2, 3].map(() => ({
        outcome: 'failure',
        detail: expect.objectContaining({ reason: 'wrong-password' }) as unknown,
      })),
    );
  });

  it('starts with such a hash on the ADMIN_USERNAME account, which takes ADMIN_PASSWORD again', async () => {
    await sql(t, 'UPDATE "user" SET "passwordHash" = $1 WHERE "username" = $2', [
      `scrypt:65536:1:1$salt$${HEX128}`,
      ADMIN.username,
    ]);
    const restarted = await startTestApp(
      { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password },
      database,
    );
    try {
      expect((await storedUser(ADMIN.username))!.passwordHash).toMatch(/^\$2b\$04\$/);
      await accessTokenFor(restarted, ADMIN);
    } finally {
      await restarted.close();
    }
    adminJwt = await accessTokenFor(t, ADMIN);
  });
});

describe('NUL characters in an import line', () => {
  it('refuses the line naming its field, on either database, and imports the rest of the batch', async () => {
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    const good = [uniqueName('nul-good'), uniqueName('nul-good')];
    const line = (fields: object) => ({
      username: uniqueName('nul'),
      passwordHash: pbkdf2.hash,
      ...fields,
    });
    const withNul: [string, object][] = [
      ['description', line({ description: 'a\0b' })],
      ['firstName', line({ firstName: 'Ada\0' })],
      ['lastName', line({ lastName: '\0' })],
      ['email', line({ email: 'ada\0@example.com' })],
      ['scope', line({ scope: 'profile:read\0' })],
      ['groups', line({ groups: ['nul-line-team', 'nul\0team'] })],
      ['username', line({ username: 'nul\0name' })],
      ['passwordHash', line({ passwordHash: `${pbkdf2.hash}\0` })],
    ];
    const res = await importOverHttp(
      [
        JSON.stringify({ username: good[0], passwordHash: pbkdf2.hash, groups: ['nul-team'] }),
        ...withNul.map(([, fields]) => JSON.stringify(fields)),
        JSON.stringify({ username: uniqueName('nul'), passwordHash: pbkdf2.hash, ['x\0']: 1 }),
        JSON.stringify({ username: good[1], passwordHash: pbkdf2.hash, description: 'kept' }),
      ].join('\n'),
    ).expect(422);
    expect(res.body).toEqual({
      ...summaryOf({ created: 2 }),
      refused: withNul.length + 1,
      refusedLines: [
        ...withNul.map(([field], i) => ({
          line: i + 2,
          field,
          message: `${field} must not contain NUL characters`,
        })),
        { line: withNul.length + 2, field: null, message: 'a field name holds a NUL character' },
      ],
    });
    expect(await groupsOf(good[0])).toEqual(['nul-team']);
    expect(await storedUser(good[1])).toMatchObject({ description: 'kept' });
    expect(
      await sql(
        t,
        `SELECT * FROM "user" WHERE "username" LIKE 'nul-%' AND "username" NOT LIKE 'nul-good-%'`,
      ),
    ).toEqual([]);
    expect(
      await sql(t, `SELECT * FROM "group" WHERE "name" LIKE 'nul%' AND "name" <> 'nul-team'`),
    ).toEqual([]);
  });
});
