/**
 * Two instances on one PostgreSQL database (run only when DATABASE_URL names PostgreSQL): while
 * instance 1 answers token checks at a steady rate, instance 2 takes a burst of logins, logouts
 * and revocations, and a connection of its own samples PostgreSQL's statistics every
 * SAMPLE_EVERY_MS: in how many samples a check's connection waited on a lock, and what the
 * writers' connections waited on (each revocation moves the credential epoch, one row that every
 * watched write updates: migration 1764460000000-credential-epoch). pg_stat_activity tells the
 * instances apart by application_name, which each instance's DATABASE_URL carries.
 */
import pg from 'pg';
import { drive, toFigure, type BenchRequest, type LoadOptions } from './load.js';
import type { LockWaits, Row, WriteCount } from './report.js';
import type { TokenMinter } from './scenarios.js';
import type { BenchPopulation } from './seed.js';

export const TWO_INSTANCES_FIGURE =
  'token checks on instance 1 during logins, logouts and revocations on instance 2';

const SAMPLE_EVERY_MS = 25;
/** Writers in flight on instance 2: logins (bcrypt-bound) and the others, each kind its own. */
const LOGINS_IN_FLIGHT = 2;
const OTHER_WRITES_IN_FLIGHT = 4;
const SESSION_COOKIE = 'GCN_SESSION_SECRET';

export interface TwoInstancesOptions {
  /** The bench's database, as the instances' URLs name it without their application_name. */
  databaseUrl: string;
  checksApplication: string;
  writesApplication: string;
  checksUrl: string;
  /** The checks instance 1 answers, of users none of the writes touch. */
  checks: BenchRequest[];
  expectBody: string;
  /** The rate and connections of the checks (the storm figures'), and the windows. */
  checkLoad: LoadOptions;
  /** The users whose tokens and sessions the burst logs in, logs out and revokes. */
  writers: { population: BenchPopulation; minter: TokenMinter; ids: number[] };
  startWriter: () => Promise<{ baseUrl: string; server: { stop(): Promise<void> } }>;
  log: (message: string) => void;
}

/** One write of the burst, made afresh each time (a revocation mints a JWT of its own). */
type Write = () => { kind: string; path: string; init: RequestInit };

export async function measureTwoInstances(options: TwoInstancesOptions): Promise<Row> {
  const { checkLoad, log } = options;
  const name = `${TWO_INSTANCES_FIGURE}, checks at ${checkLoad.overallRate}/s`;
  log(name);
  const writer = await options.startWriter();
  const sampler = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: 'gatehouse-bench-sampler',
  });
  await sampler.connect();
  try {
    await drive(options.checksUrl, options.checks, checkLoad, checkLoad.warmupSeconds);
    const stop = { at: Date.now() + checkLoad.seconds * 1000 };
    const [checks, writes, waits, connections] = await Promise.all([
      drive(
        options.checksUrl,
        options.checks,
        { ...checkLoad, expectBody: options.expectBody },
        checkLoad.seconds,
      ),
      burst(writer.baseUrl, options.writers, stop.at),
      sampleLockWaits(sampler, options, stop.at),
      // Once the burst is under way: which applications PostgreSQL sees connected.
      new Promise((resolve) => setTimeout(resolve, 500)).then(() => connectionsOf(sampler)),
    ]);
    const figure = toFigure(checks, null);
    log(
      `two instances: checks p99 ${figure.p99Ms} ms (${figure.errors} errors); check lock waits in ` +
        `${waits.checkSamples} samples of ${waits.samples}; writer lock waits in ` +
        `${waits.writerSamples}: ${JSON.stringify(waits.writers)}; writes ${JSON.stringify(writes)}; ` +
        `connections ${JSON.stringify(connections)}`,
    );
    if (!connections[options.checksApplication] || !connections[options.writesApplication]) {
      log(
        `two instances: pg_stat_activity shows no connection named ${options.checksApplication} ` +
          `or ${options.writesApplication}: lock waits cannot be told apart`,
      );
    }
    return {
      name,
      kind: 'two-instances',
      figure,
      lockWaits: waits,
      writes,
      connections,
    };
  } finally {
    await sampler.end();
    await writer.server.stop();
  }
}

/**
 * Logins, logouts (user token, session) and revocations (of access JWTs by the seeded service
 * client) through instance 2 until `until`: each user's user token and session ends once, the
 * revocations go on with fresh JWTs when the users run out.
 */
async function burst(
  baseUrl: string,
  { population, minter, ids }: TwoInstancesOptions['writers'],
  until: number,
): Promise<Record<string, WriteCount>> {
  const basic = (username: string, password: string) =>
    `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const client = population.serviceClient;
  const revoke =
    (id: number): Write =>
    () => ({
      kind: 'revocation, POST /oauth2/revoke (access JWT)',
      path: '/oauth2/revoke',
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(client.clientId, client.secret),
        },
        body: new URLSearchParams({ token: minter.accessToken(id) }).toString(),
      },
    });
  const others: Write[] = ids.flatMap((id) => [
    revoke(id),
    () => ({
      kind: 'logout, POST /auth/logout (user token)',
      path: '/auth/logout',
      init: { method: 'POST', headers: { authorization: `Bearer ${population.userToken(id)}` } },
    }),
    revoke(id),
    () => ({
      kind: 'logout, POST /auth/logout/{sid} (session)',
      path: `/auth/logout/${population.sessionId(id)}`,
      init: {
        method: 'POST',
        headers: { cookie: `${SESSION_COOKIE}=${population.sessionSecret(id)}` },
      },
    }),
  ]);
  const login =
    (id: number): Write =>
    () => ({
      kind: 'login, POST /v1/auth',
      path: '/v1/auth',
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: population.username(id), password: population.password }),
      },
    });
  let nextOther = 0;
  let nextLogin = 0;
  const counts: Record<string, WriteCount> = {};
  const started = Date.now();
  const worker = async (next: () => Write) => {
    while (Date.now() < until) {
      const { kind, path, init } = next()();
      const count = (counts[kind] ??= { requests: 0, errors: 0, perSecond: 0, statuses: {} });
      const status = await fetch(`${baseUrl}${path}`, init).then(
        async (response) => {
          await response.arrayBuffer();
          return response.status;
        },
        () => 0,
      );
      count.requests++;
      if (status === 0 || status >= 400) count.errors++;
      count.statuses[status] = (count.statuses[status] ?? 0) + 1;
    }
  };
  await Promise.all([
    ...Array.from({ length: LOGINS_IN_FLIGHT }, () =>
      worker(() => login(ids[nextLogin++ % ids.length])),
    ),
    ...Array.from({ length: OTHER_WRITES_IN_FLIGHT }, () =>
      worker(() =>
        nextOther < others.length ? others[nextOther++] : revoke(ids[nextOther++ % ids.length]),
      ),
    ),
  ]);
  const seconds = (Date.now() - started) / 1000;
  for (const count of Object.values(counts)) count.perSecond = count.requests / seconds;
  return counts;
}

/**
 * Every SAMPLE_EVERY_MS until `until`: the connections of this database that wait on a lock not
 * granted, with the lock, its relation, their query and the query of the first that blocks them.
 */
async function sampleLockWaits(
  sampler: pg.Client,
  options: TwoInstancesOptions,
  until: number,
): Promise<LockWaits> {
  const waits: LockWaits = {
    samples: 0,
    checkSamples: 0,
    writerSamples: 0,
    writers: {},
    checks: {},
  };
  while (Date.now() < until) {
    const started = Date.now();
    const { rows } = await sampler.query<{
      application: string;
      locktype: string;
      mode: string;
      relation: string | null;
      query: string;
      blockedBy: string | null;
    }>({
      name: 'lock-waits',
      text: `SELECT a.application_name AS application, l.locktype, l.mode,
          c.relname AS relation, left(a.query, 80) AS query,
          (SELECT left(b.query, 60) FROM pg_stat_activity b
            WHERE b.pid = (pg_blocking_pids(a.pid))[1]) AS "blockedBy"
        FROM pg_stat_activity a
        JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted
        LEFT JOIN pg_class c ON c.oid = l.relation
        WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
          AND a.pid <> pg_backend_pid()`,
    });
    waits.samples++;
    const seen = { checks: false, writers: false };
    for (const row of rows) {
      const what =
        `${row.locktype} ${row.mode}${row.relation ? ` on ${row.relation}` : ''}: ` +
        `${oneLine(row.query)}${row.blockedBy ? ` (behind: ${oneLine(row.blockedBy)})` : ''}`;
      const side =
        row.application === options.checksApplication
          ? 'checks'
          : row.application === options.writesApplication
            ? 'writers'
            : null;
      if (!side) continue;
      seen[side] = true;
      waits[side][what] = (waits[side][what] ?? 0) + 1;
    }
    if (seen.checks) waits.checkSamples++;
    if (seen.writers) waits.writerSamples++;
    const left = SAMPLE_EVERY_MS - (Date.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }
  return waits;
}

/** Connections to this database by application_name. */
async function connectionsOf(sampler: pg.Client): Promise<Record<string, number>> {
  const { rows } = await sampler.query<{ application: string; connections: number }>(
    `SELECT application_name AS application, count(*)::int AS connections FROM pg_stat_activity
      WHERE datname = current_database() GROUP BY application_name`,
  );
  return Object.fromEntries(rows.map((row) => [row.application, row.connections]));
}

function oneLine(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
