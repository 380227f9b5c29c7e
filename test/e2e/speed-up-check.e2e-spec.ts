import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  TRIGGERS as CREDENTIAL_EPOCH_TRIGGERS,
  triggersOn,
} from '../../src/database/migrations/1764460000000-credential-epoch.js';
import { TRIGGERS as SERVICE_CLIENT_EPOCH_TRIGGERS } from '../../src/database/migrations/1765100000000-service-client-epoch.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  buildServer,
  runServerToExit,
  startServerProcess,
  stopServerProcess,
  type ServerProcess,
} from '../support/server-process.js';

const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;
const EXPECTED_TRIGGERS = triggersOn(postgres, [
  ...CREDENTIAL_EPOCH_TRIGGERS,
  ...SERVICE_CLIENT_EPOCH_TRIGGERS,
]).length;

/** The server's one line about its speed-ups, with its level. */
function speedUpLine(server: ServerProcess): { level: string; msg: string } {
  const line = server
    .output()
    .split('\n')
    .find((text) => text.includes('speed-ups:'));
  expect(line).toBeDefined();
  return JSON.parse(line!) as { level: string; msg: string };
}

/** Drops one of the credential epoch's triggers, as a table rebuilt on SQLite would. */
async function dropOneEpochTrigger(databaseUrl: string): Promise<string> {
  const [{ name, table }] = triggersOn(postgres, SERVICE_CLIENT_EPOCH_TRIGGERS);
  if (!postgres) {
    const sqlite = new Database(databaseUrl.slice('sqlite:'.length));
    sqlite.exec(`DROP TRIGGER "${name}"`);
    sqlite.close();
    return name;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP TRIGGER "${name}" ON "${table}"`);
  } finally {
    await client.end();
  }
  return name;
}

describe('the check of the speed-ups at start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    await buildServer();
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
              `^speed-ups: epoch triggers ${EXPECTED_TRIGGERS}/${EXPECTED_TRIGGERS} present, ` +
                `thread pool at nice 19 \\(\\d+ threads\\)$`,
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

  it('started with node alone, it warns that the thread pool is not at nice 19 and still serves; without one epoch trigger it refuses to start, naming it', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url });
    try {
      expect(speedUpLine(server)).toMatchObject({
        level: 'warn',
        msg: expect.stringMatching(
          `^speed-ups: epoch triggers ${EXPECTED_TRIGGERS}/${EXPECTED_TRIGGERS} present, thread pool (NOT at nice 19|priority not lowered)`,
        ) as string,
      });
      expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      await stopServerProcess(server);
    }

    const dropped = await dropOneEpochTrigger(database.url);
    const { code, stdout, stderr } = await runServerToExit({
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^Startup failed: credential epoch triggers missing: ${dropped}\\. `),
    );
    expect(stdout).not.toContain('speed-ups:');
  }, 60_000);
});
