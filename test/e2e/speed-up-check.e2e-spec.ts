import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  allEpochTriggers,
  createEpochTriggerSql,
  dropEpochTriggerSql,
  type EpochTrigger,
} from '../../src/database/credential-epoch-triggers.js';
import { checkSpeedUps } from '../../src/database/speed-up-check.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { sql } from '../support/fixtures.js';
import {
  runServerToExit,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const EPOCH_TRIGGERS = allEpochTriggers(postgres);
const PRESENT = `${EPOCH_TRIGGERS.length}/${EPOCH_TRIGGERS.length} present`;

/** The server's one line about its speed-ups, with its level. */
function speedUpLine(server: ServerProcess): { level: string; msg: string } {
  const line = server
    .output()
    .split('\n')
    .find((text) => text.includes('speed-ups:'));
  expect(line).toBeDefined();
  return JSON.parse(line!) as { level: string; msg: string };
}

/** Drops one of the credential epoch's triggers from outside the server, as psql would. */
async function dropFromOutside(databaseUrl: string, trigger: EpochTrigger): Promise<void> {
  if (!postgres) {
    const sqlite = new Database(databaseUrl.slice('sqlite:'.length));
    sqlite.exec(dropEpochTriggerSql(trigger, false));
    sqlite.close();
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(dropEpochTriggerSql(trigger, true));
  } finally {
    await client.end();
  }
}

/** The trigger as the database holds it: SQLite keeps its statement, PostgreSQL rebuilds one. */
async function definitionOf(t: TestApp, name: string): Promise<string> {
  const [row] = await sql(
    t,
    postgres
      ? `SELECT pg_get_triggerdef(t.oid) AS "definition" FROM pg_trigger t WHERE t.tgname = $1`
      : `SELECT "sql" AS "definition" FROM sqlite_master WHERE "type" = 'trigger' AND "name" = $1`,
    [name],
  );
  return String(row.definition);
}

describe('the check of the speed-ups at start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  }, 180_000);
  afterAll(() => database.drop());

  it.runIf(process.platform === 'linux')(
    'started through bin/gatehouse-server, the server says that every epoch trigger is present and the thread pool runs at nice 19; the launcher leaves node alone in its process',
    async () => {
      const server = await startServerProcess({ DATABASE_URL: database.url }, []);
      try {
        expect(speedUpLine(server)).toMatchObject({
          level: 'info',
          msg: expect.stringMatching(
            new RegExp(
              `^speed-ups: epoch triggers ${PRESENT}, thread pool at nice 19 \\(\\d+ threads\\)$`,
            ),
          ) as string,
        });
        const commandLine = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8');
        expect(commandLine.split('\0')[0]).toBe(process.execPath);
      } finally {
        expect(await stopServerProcess(server)).toBe(0);
      }
    },
  );

  it('without its thread pool at nice 19 it warns and still serves; without any one epoch trigger of any migration the start is refused, naming it and its migration', async () => {
    const t = await startTestApp({}, database);
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      await checkSpeedUps(t.db);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(
          `^speed-ups: epoch triggers ${PRESENT}, thread pool (NOT at nice 19|priority not lowered)`,
        ),
      );
      await t.http().get('/health/ready').expect(200);

      // Each in turn, as a table rebuilt on SQLite would lose it, then made again from the
      // registry: the same trigger the migration made.
      for (const trigger of EPOCH_TRIGGERS) {
        const made = await definitionOf(t, trigger.name);
        await t.db.query(dropEpochTriggerSql(trigger, postgres));
        await expect(checkSpeedUps(t.db), trigger.name).rejects.toThrow(
          new RegExp(
            `^credential epoch triggers missing: ${trigger.name}\\. .*the migrations ${trigger.migration} do\\.$`,
          ),
        );
        await t.db.query(createEpochTriggerSql(trigger, postgres));
        expect(await definitionOf(t, trigger.name)).toBe(made);
      }
      await checkSpeedUps(t.db);
    } finally {
      warn.mockRestore();
      await t.close();
    }
  });

  it('a server started without an epoch trigger exits with one line naming it', async () => {
    const dropped = EPOCH_TRIGGERS.find(({ name }) => name === 'credential_epoch_user_version')!;
    await dropFromOutside(database.url, dropped);
    const { code, stdout, stderr } = await runServerToExit({
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Startup failed: credential epoch triggers missing: ${dropped.name}\\. `),
    );
    expect(stdout).not.toContain('speed-ups:');
  }, 60_000);
});
