/**
 * `npm run bench`: Gatehouse's token and session checks and its logins, side by side with the
 * limits of this machine (a bare node:http JWT verifier, the same plus one indexed lookup in the
 * server's database — SQLite, or PostgreSQL over `pg` — and raw bcrypt), in one run. Prints a table
 * and writes the same as JSON under bench/results/.
 *
 *   npm run bench                      SQLite, 1,000 users
 *   npm run bench -- --scale           then again at 1,000,000 users and user tokens
 *   DATABASE_URL=postgres://… npm run bench
 *                                      PostgreSQL; also two instances on the one database
 *                                      (bench/two-instances.ts), and a revocation's way to the
 *                                      shared-signals receiver (bench/ssf.ts)
 *   npm run bench -- --profile DIR     also writes the server's CPU profile to DIR
 *   npm run bench -- --only REGEXP     measures only the figures whose names match; one that
 *                                      matches the import's ("--only import") measures it alone,
 *                                      without starting the server
 *   npm run bench -- --rounds N        samples each figure N times (3), taking turns; keeps medians
 *   npm run bench -- --users N         N users (1,000); --scale-users N at scale (1,000,000)
 *   npm run bench -- --seconds 2 --warmup 1 --rounds 1   a smoke run
 *   npm run bench -- --node-args="…"   starts the server's node with these options
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import Database from 'better-sqlite3';
import { createTestDatabase } from '../test/support/database.js';
import { startProdCommand } from '../test/support/server-process.js';
import { openStore, type BenchStore } from './bench-store.js';
import { drive, measure, processMemoryMb, toFigure } from './load.js';
import type { BenchRequest, Figure, LoadOptions } from './load.js';
import { firstLine, freePort, startNode, startProcess, waitUntilReady } from './processes.js';
import { report, type BenchReport, type Row } from './report.js';
import {
  PORTAL_COOKIE_CHECK,
  PORTAL_SESSIONS,
  portalCookieCheck,
  portalSignIn,
  signInForm,
  signInThroughPortal,
} from './portal.js';
import { BenchPopulation, reserveSessionIds, seedSecondFactors, seedUsers } from './seed.js';
import {
  enrolPasskeys,
  measurePasskeySignIns,
  PASSKEY_SIGN_IN,
  PASSKEY_USERS,
} from './passkeys.js';
import {
  assertAnswered,
  type Scenario,
  scenarios,
  secondFactorLogin,
  TokenMinter,
  type Scenarios,
} from './scenarios.js';
import { measureTwoInstances, TWO_INSTANCES_FIGURE } from './two-instances.js';
import {
  deleteStream,
  measureSsf,
  RECEIVER_CHECK,
  RECEIVER_PASSES,
  receiverChecks,
  startReceiver,
} from './ssf.js';

const { values: options } = parseArgs({
  options: {
    scale: { type: 'boolean', default: false },
    users: { type: 'string', default: '1000' },
    'scale-users': { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    profile: { type: 'string' },
    only: { type: 'string' },
    'node-args': { type: 'string', default: '' },
    'import-users': { type: 'string', default: '100000' },
  },
});
const USERS = Number(options.users);
const SCALE_USERS = Number(options['scale-users']);
const SAMPLE = 2_000;
/** Users logging in with a TOTP code: enough that none comes round twice in a 30-second step. */
const SECOND_FACTOR_USERS = 2_000;
/** Users with a second factor on come after every other seeded id (the scale's too). */
const ENROLLED_FROM = (options.scale ? SCALE_USERS : USERS) + 1;
/** The last user the run seeds, and so the last seeded sid (user i's session is sid i). */
const LAST_SEEDED_ID = ENROLLED_FROM + SECOND_FACTOR_USERS - 1;
const SETTLE_SECONDS = 10;
const ROUNDS = Number(options.rounds);
const timing = { seconds: Number(options.seconds), warmupSeconds: Number(options.warmup) };
const checkLoad: LoadOptions = { ...timing, connections: 16 };
/**
 * Logins, and raw bcrypt beside them, run twice as long: at a few per second, a short window would
 * count too few of them to compare within a few percent.
 */
const loginLoad: LoadOptions = { ...timing, seconds: timing.seconds * 2, connections: 8 };
/** The token checks other services keep making during a login storm. */
const stormCheckLoad: LoadOptions = { ...timing, connections: 8, overallRate: 500 };
/**
 * The checks measured during a login storm: another service's (the Security API's and RFC 7662's),
 * and a proxy's on every request, for an API client and for a browser signed in at the portal.
 */
const STORM_CHECKS = [
  'token check, access JWT',
  'introspection, access JWT',
  'forward auth, access JWT',
  PORTAL_COOKIE_CHECK,
];
const VALID = JSON.stringify({ tokenStatus: 'valid' });
const only = options.only ? new RegExp(options.only, 'i') : null;
const selected = (figure: string) => !only || only.test(figure);
const IMPORT_USERS = Number(options['import-users']);
const IMPORT_FIGURE = `import of ${IMPORT_USERS.toLocaleString('en')} users (users:import)`;
/** Revocations the shared-signals stream-rate figure holds back, then lets go at once. */
const SSF_BACKLOG = 200 * timing.seconds;
/** How pg_stat_activity tells the two instances' connections apart (bench/two-instances.ts). */
const CHECKS_APPLICATION = 'gatehouse-checks';
const WRITES_APPLICATION = 'gatehouse-writes';
const LIMIT_APPLICATION = 'gatehouse-bench-limit';
/** The PostgreSQL limit's own table in the bench's database (bench/bare-verifier.ts reads it). */
const PG_LIMIT_TABLE = 'bench_limit_account';

const DIST = resolve('dist/src');
const BENCH_DIR = import.meta.dirname;

const workDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const cleanups: Array<() => Promise<void>> = [async () => rmSync(workDir, { recursive: true })];

try {
  const result = only?.test(IMPORT_FIGURE) ? await importAlone() : await benchmark();
  await report(result, resolve('bench/results'));
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

async function benchmark(): Promise<BenchReport> {
  // A SQLite file of its own, or a database of its own on the PostgreSQL server DATABASE_URL names.
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const databaseUrl = database.url;
  const { server, baseUrl, config } = await startServer(databaseUrl, CHECKS_APPLICATION);

  const store = await openStore(databaseUrl);
  cleanups.push(() => store.close());
  const population = new BenchPopulation(randomBytes(32).toString('hex'), 'bench-password-1');
  const passwordHash = await bcrypt.hash(population.password, config.bcryptCost);
  log(`seeding ${USERS} users (${store.kind}, bcrypt cost ${config.bcryptCost})`);
  await seedUsers(store, population, passwordHash, 1, USERS);
  const minter = await TokenMinter.fromServer(store, baseUrl, population);
  const lookupLimit =
    store.kind === 'postgres'
      ? await seedPostgresLimitTable(store, databaseUrl, USERS)
      : seedBaselineDatabase(USERS);

  logMemory('after start', server.pid);
  const atThousand = scenarios(population, minter, range(1, USERS));
  const checks = [...atThousand.checks];
  const stormLogin = atThousand.logins[0];
  if ([PORTAL_COOKIE_CHECK, stormName(PORTAL_COOKIE_CHECK, stormLogin)].some(selected)) {
    const { cookieName } = config.portal;
    log(`signing ${PORTAL_SESSIONS} browsers in through the portal`);
    await reserveSessionIds(store, LAST_SEEDED_ID);
    const ids = range(1, PORTAL_SESSIONS);
    const sessions = await signInThroughPortal(baseUrl, population, ids, cookieName);
    checks.push(portalCookieCheck(cookieName, sessions));
  }
  const limits = await startBareVerifiers(baseUrl, config, lookupLimit, atThousand.bareJwtCheck);
  const receiver = selected(RECEIVER_CHECK)
    ? await receiverFigure(baseUrl, population, minter)
    : null;
  const rows: Row[] = [];
  rows.push(
    ...(await inRounds([
      ...limits.figures(''),
      ...(receiver ? [receiver.figure] : []),
      ...checkFigures(baseUrl, checks, server.pid, ''),
    ])),
  );
  await receiver?.stop();
  logMemory('after the checks', server.pid);
  // Checks at scale before the logins, whose new sessions would take the sids seeded next.
  if (options.scale) {
    rows.push(
      ...(await measureAtScale(
        store,
        population,
        minter,
        baseUrl,
        server.pid,
        passwordHash,
        limits,
        lookupLimit,
      )),
    );
    logMemory('after the checks at scale', server.pid);
  }
  await limits.stop();
  // Users with a second factor on, after every seeded id (the scale's too), so that the other
  // logins go on without codes.
  const enrolled = range(ENROLLED_FROM, LAST_SEEDED_ID);
  await seedUsers(store, population, passwordHash, enrolled[0], enrolled.at(-1)!);
  await seedSecondFactors(store, population, await sealerOf(config), enrolled[0], enrolled.at(-1)!);
  const portalForm = await signInForm(baseUrl);
  rows.push(
    ...(await inRounds([
      ...loginFigures(baseUrl, atThousand, server.pid, config.bcryptCost, [
        secondFactorLogin(population, enrolled),
        portalSignIn(population, range(1, USERS), portalForm, config.portal.cookieName),
      ]),
      ...(selected(PASSKEY_SIGN_IN)
        ? [await passkeyFigure(baseUrl, config.webauthn.origins[0], population, server.pid)]
        : []),
    ])),
  );
  logMemory('after the logins', server.pid);
  for (const check of STORM_CHECKS) {
    const storm = await measureStorm(baseUrl, checks, stormLogin, check);
    if (storm) rows.push(storm);
  }
  if (store.kind === 'postgres' && selected(TWO_INSTANCES_FIGURE)) {
    const half = Math.floor(USERS / 2);
    const checkers = scenarios(population, minter, range(1, half));
    rows.push(
      await measureTwoInstances({
        databaseUrl,
        checksApplication: CHECKS_APPLICATION,
        writesApplication: WRITES_APPLICATION,
        checksUrl: baseUrl,
        checks: interleave(
          checkers.checks.find((check) => check.name === 'token check, access JWT')!.requests,
          checkers.checks.find((check) => check.name === 'token check, user token')!.requests,
        ),
        expectBody: VALID,
        checkLoad: stormCheckLoad,
        writers: { population, minter, ids: range(half + 1, USERS) },
        startWriter: () => startServer(databaseUrl, WRITES_APPLICATION),
        log,
      }),
    );
  }
  rows.push(
    ...(await measureSsf({
      gatehouseUrl: baseUrl,
      client: population.serviceClient,
      minter,
      ids: range(1, USERS),
      backlog: SSF_BACKLOG,
      ...(store.kind === 'postgres' && {
        twoInstances: {
          startWriter: () => startServer(databaseUrl, WRITES_APPLICATION),
          storm: { name: stormLogin.name, requests: stormLogin.requests, load: loginLoad },
        },
      }),
      selected,
      log,
      onStart: (started) => cleanups.push(started.stop),
    })),
  );
  if (selected(IMPORT_FIGURE)) rows.push(await measureImport(config.bcryptCost));
  const memory = await memoryAfterRun(server.pid);
  return {
    database: store.kind,
    bcryptCost: config.bcryptCost,
    users: USERS,
    rounds: ROUNDS,
    rows,
    memory,
  };
}

/**
 * Starts a server on `databaseUrl` (on PostgreSQL its connections named `applicationName` in
 * pg_stat_activity) and waits until it is ready: the benchmark's, and on PostgreSQL the second
 * instance of bench/two-instances.ts, started the same way.
 */
async function startServer(databaseUrl: string, applicationName: string) {
  const { loadAppConfig } = (await import(
    pathToFileURL(join(DIST, 'config/app-config.js')).href
  )) as {
    loadAppConfig: (env: NodeJS.ProcessEnv) => {
      bcryptCost: number;
      jwt: { issuer: string };
      portal: { cookieName: string };
      webauthn: { origins: string[] };
    };
  };
  const startProd = startProdCommand();
  const serverEnv = {
    ...process.env,
    ...startProd.env,
    DATABASE_URL: withApplicationName(databaseUrl, applicationName),
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    LOGIN_ATTEMPTS_PER_MINUTE: '1000000000',
    // A key of the run's own, which seals the seeded users' second-factor secrets too.
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const config = loadAppConfig(serverEnv);
  // The server runs as `npm run start:prod` runs it, through the launcher, with more node options.
  const nodeArgs = options['node-args'].split(' ').filter(Boolean);
  if (options.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${resolve(options.profile)}`);
  const server = startProcess(
    startProd.command,
    [],
    { ...serverEnv, GATEHOUSE_NODE_OPTIONS: nodeArgs.join(' ') },
    'ignore',
  );
  cleanups.push(server.stop);
  const baseUrl = `http://127.0.0.1:${serverEnv.PORT}`;
  await waitUntilReady(`${baseUrl}/health/ready`, server);
  return { server, baseUrl, config };
}

/** How the server seals a second-factor secret under the key it was started with. */
async function sealerOf(config: object): Promise<(userId: number, secret: Buffer) => string> {
  const { TotpSecrets } = (await import(
    pathToFileURL(join(DIST, 'credentials/second-factor/totp-secrets.service.js')).href
  )) as {
    TotpSecrets: new (config: object) => { encrypt(userId: number, secret: Buffer): string };
  };
  const secrets = new TotpSecrets(config);
  return (userId, secret) => secrets.encrypt(userId, secret);
}

/**
 * The example receiver (examples/ssf-receiver), subscribed by the seeded service client, checking
 * the first users' JWTs locally under the load of the bare verifier's figure, which is its limit.
 * Stopping it deletes its stream, so that the figures after it record no event for it.
 */
async function receiverFigure(
  baseUrl: string,
  population: BenchPopulation,
  minter: TokenMinter,
): Promise<{ figure: FigureToMeasure; stop: () => Promise<void> }> {
  const receiver = await startReceiver(baseUrl, population.serviceClient, 'poll');
  cleanups.push(receiver.stop);
  const requests = receiverChecks(range(1, USERS).map((id) => minter.accessToken(id)));
  const check: Scenario = {
    name: RECEIVER_CHECK,
    kind: 'check-other',
    requests,
    expectStatus: 200,
    expectBodyStart: RECEIVER_PASSES,
  };
  return {
    figure: {
      name: RECEIVER_CHECK,
      kind: 'receiver-jwt',
      prepare: () => assertAnswered(receiver.url, check),
      sample: () =>
        measure(receiver.url, requests, { ...checkLoad, ...expectationsOf(check) }, receiver.pid),
    },
    stop: async () => {
      await receiver.stop();
      await deleteStream(baseUrl, population.serviceClient);
    },
  };
}

/** A PostgreSQL URL whose connections pg_stat_activity shows as `name`; a SQLite one as it is. */
function withApplicationName(databaseUrl: string, name: string): string {
  if (!databaseUrl.startsWith('postgres')) return databaseUrl;
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}

/** `--only import`: the import figure by itself; no server is started for it. */
async function importAlone(): Promise<BenchReport> {
  const { loadAppConfig } = (await import(
    pathToFileURL(join(DIST, 'config/app-config.js')).href
  )) as { loadAppConfig: (env: NodeJS.ProcessEnv) => { bcryptCost: number } };
  const { bcryptCost } = loadAppConfig(process.env);
  const row = await measureImport(bcryptCost);
  const database = process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';
  return { database, bcryptCost, users: IMPORT_USERS, rounds: 1, rows: [row] };
}

/**
 * Imports IMPORT_USERS generated users through the built command line into a fresh database of
 * its own (SQLite, or PostgreSQL when DATABASE_URL names it), timed from the command's start to
 * its exit: start-up included, the schema made beforehand. Every line has the same bcrypt hash at
 * the configured cost, made once here, as an import never hashes; each has a profile field and one
 * of eight groups. One sample: it writes a whole database.
 */
async function measureImport(bcryptCost: number): Promise<Row> {
  log(IMPORT_FIGURE);
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const passwordHash = await bcrypt.hash('bench-import-password', bcryptCost);
  const file = join(workDir, 'import.jsonl');
  const out = createWriteStream(file);
  for (let i = 1; i <= IMPORT_USERS; i++) {
    const line = JSON.stringify({
      username: `imported-${i}`,
      passwordHash,
      email: `imported-${i}@example.com`,
      groups: [`imported-group-${i % 8}`],
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const cli = join(DIST, 'cli.js');
  const env = { ...process.env, DATABASE_URL: database.url, BCRYPT_COST: String(bcryptCost) };
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [cli, ...args], { env, maxBuffer: 1 << 20 });
  await run(['migrations:run']);
  const started = performance.now();
  const { stdout } = await run(['users:import', file]);
  const seconds = (performance.now() - started) / 1000;
  const expected = `created ${IMPORT_USERS}, updated 0, unchanged 0, skipped 0, refused 0`;
  const errors = stdout.trim() === expected ? 0 : 1;
  if (errors) log(`users:import answered ${JSON.stringify(stdout.trim())}, not ${expected}`);
  log(`imported ${IMPORT_USERS} users in ${seconds.toFixed(1)} s`);
  return {
    name: IMPORT_FIGURE,
    kind: 'import',
    figure: {
      requestsPerSecond: IMPORT_USERS / seconds,
      p50Ms: 0,
      p99Ms: 0,
      cpuMicrosPerRequest: null,
      requests: IMPORT_USERS,
      errors,
    },
  };
}

/** One figure of the table, which `inRounds` samples once a round. */
interface FigureToMeasure {
  name: string;
  kind: string;
  comparedTo?: string;
  /** Checks the figure's requests are answered as expected, once before its first sample. */
  prepare?: () => Promise<void>;
  sample: () => Promise<Figure>;
}

/**
 * Samples every figure once a round, the figures taking turns, for `ROUNDS` rounds, and keeps each
 * figure's median sample. A machine whose speed drifts during the run (this one's did, by up to
 * half) then moves a check and the limit it is compared with alike.
 */
async function inRounds(figures: FigureToMeasure[]): Promise<Row[]> {
  const selectedFigures = figures.filter((figure) => selected(figure.name));
  const samples = selectedFigures.map((): Figure[] => []);
  for (const figure of selectedFigures) await figure.prepare?.();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, figure] of selectedFigures.entries()) {
      log(`${figure.name} (round ${round} of ${ROUNDS})`);
      samples[i].push(await figure.sample());
    }
  }
  return selectedFigures.map(({ name, kind, comparedTo }, i) => ({
    name,
    kind,
    comparedTo,
    figure: medianOf(samples[i]),
  }));
}

/** The sample of median throughput, with the errors of all samples and every sample's req/s. */
function medianOf(samples: Figure[]): Figure {
  const sorted = [...samples].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return {
    ...sorted[Math.floor((sorted.length - 1) / 2)],
    errors: samples.reduce((sum, sample) => sum + sample.errors, 0),
    samplesPerSecond: samples.map((sample) => sample.requestsPerSecond),
  };
}

/** The bare verifier's own SQLite file: one indexed table of accounts, as many as users. */
function seedBaselineDatabase(accounts: number): string {
  const path = join(workDir, 'baseline.sqlite');
  const db = new Database(path);
  db.exec('CREATE TABLE account (id INTEGER PRIMARY KEY, enabled INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO account (id, enabled) VALUES (?, 1)');
  db.transaction(() => {
    for (let id = 1; id <= accounts; id++) insert.run(id);
  })();
  db.close();
  return path;
}

/** Where the lookup limit reads: its own SQLite file, or its own table on PostgreSQL. */
type LookupLimit = string | { postgresUrl: string };

/**
 * The PostgreSQL limit's table in the bench's database: one indexed table of accounts, as many as
 * users (more at scale: `growPostgresLimitTable`), read over connections of its own.
 */
async function seedPostgresLimitTable(
  store: BenchStore,
  databaseUrl: string,
  accounts: number,
): Promise<LookupLimit> {
  await store.queryOne(
    `CREATE TABLE ${PG_LIMIT_TABLE} (id integer PRIMARY KEY, enabled boolean NOT NULL)`,
  );
  await growPostgresLimitTable(store, 1, accounts);
  return { postgresUrl: withApplicationName(databaseUrl, LIMIT_APPLICATION) };
}

async function growPostgresLimitTable(store: BenchStore, from: number, to: number): Promise<void> {
  await store.queryOne(
    `INSERT INTO ${PG_LIMIT_TABLE} (id, enabled) SELECT g, true FROM generate_series(${from}, ${to}) g`,
  );
  await store.queryOne(`ANALYZE ${PG_LIMIT_TABLE}`);
}

interface BareVerifiers {
  /**
   * The two limits of the checks; `suffix` names those measured beside the checks at scale, and
   * `requests` replaces the first users' JWTs (the PostgreSQL limit at scale reads a sample).
   */
  figures(suffix: string, requests?: BenchRequest[]): FigureToMeasure[];
  stop(): Promise<void>;
}

/**
 * The bare verifier, and the same with one lookup (SQLite, or PostgreSQL when the server runs on
 * it), running beside the server; on the JWTs of the first users, whom the lookup table holds, or
 * of the users `figures` is given.
 */
async function startBareVerifiers(
  baseUrl: string,
  config: { jwt: { issuer: string } },
  lookupLimit: LookupLimit,
  bareJwtCheck: BenchRequest[],
): Promise<BareVerifiers> {
  const lookupEnv =
    typeof lookupLimit === 'string'
      ? { LOOKUP_DB: lookupLimit }
      : { LOOKUP_PG: lookupLimit.postgresUrl };
  const lookupName =
    typeof lookupLimit === 'string'
      ? 'limit: bare verifier + 1 lookup'
      : 'limit: bare verifier + 1 PostgreSQL lookup';
  const verifiers = await Promise.all(
    [{}, lookupEnv].map(async (lookup) => {
      const verifier = startNode(
        join(BENCH_DIR, 'bare-verifier.js'),
        {
          ...process.env,
          JWKS_URL: `${baseUrl}/.well-known/jwks.json`,
          ISSUER: config.jwt.issuer,
          ...lookup,
        },
        'pipe',
      );
      cleanups.push(verifier.stop);
      return { verifier, url: `http://127.0.0.1:${await firstLine(verifier.child)}` };
    }),
  );
  return {
    figures: (suffix, requests = bareJwtCheck) =>
      verifiers.map(({ verifier, url }, i) => ({
        name: `${i === 0 ? 'limit: bare verifier' : lookupName}${suffix}`,
        kind: `${suffix ? 'scale-' : ''}${i === 0 ? 'limit-jwt' : 'limit-lookup'}`,
        sample: () => measure(url, requests, { ...checkLoad, expectBody: VALID }, verifier.pid),
      })),
    stop: async () => {
      for (const { verifier } of verifiers) await verifier.stop();
    },
  };
}

async function measureBcrypt(cost: number): Promise<Figure> {
  const child = startNode(
    join(BENCH_DIR, 'bcrypt-throughput.js'),
    { ...process.env, BCRYPT_COST: String(cost), DURATION_MS: String(loginLoad.seconds * 1000) },
    'pipe',
  );
  const figure = JSON.parse(await firstLine(child.child)) as Omit<Figure, 'errors'>;
  await child.stop();
  return { ...figure, errors: 0 };
}

function checkFigures(
  baseUrl: string,
  checks: Scenario[],
  pid: number,
  suffix: string,
): FigureToMeasure[] {
  return checks.map((check) => ({
    name: `${check.name}${suffix}`,
    kind: check.kind,
    prepare: () => assertAnswered(baseUrl, check),
    sample: () => measure(baseUrl, check.requests, { ...checkLoad, ...expectationsOf(check) }, pid),
  }));
}

/** What every answer of a scenario must be, for the load to count the others as errors. */
function expectationsOf(scenario: Scenario): Partial<LoadOptions> {
  const { expectBody, expectBodyStart, expectStatus, expectHeader } = scenario;
  return { expectBody, expectBodyStart, expectStatus, expectHeader };
}

/** Raw bcrypt and the logins take turns too: both depend on how much CPU the machine gives. */
function loginFigures(
  baseUrl: string,
  scenario: Scenarios,
  pid: number,
  bcryptCost: number,
  moreLogins: Scenario[] = [],
): FigureToMeasure[] {
  return [
    {
      name: `limit: bcrypt.compare, cost ${bcryptCost}`,
      kind: 'limit-bcrypt',
      sample: () => measureBcrypt(bcryptCost),
    },
    ...[...scenario.logins, ...moreLogins].map((login) => ({
      name: login.name,
      kind: 'login',
      prepare: () => assertAnswered(baseUrl, login),
      sample: () =>
        measure(baseUrl, login.requests, { ...loginLoad, ...expectationsOf(login) }, pid),
    })),
  ];
}

/**
 * Passkey sign-ins beside the password logins: the users 1 to PASSKEY_USERS add a passkey each
 * through the self-service API first.
 */
async function passkeyFigure(
  baseUrl: string,
  origin: string,
  population: BenchPopulation,
  pid: number,
): Promise<FigureToMeasure> {
  log(`adding a passkey for ${PASSKEY_USERS} users`);
  const passkeys = await enrolPasskeys(baseUrl, origin, population, range(1, PASSKEY_USERS));
  return {
    name: PASSKEY_SIGN_IN,
    kind: 'login-passkey',
    sample: () => measurePasskeySignIns(baseUrl, passkeys, loginLoad.seconds, pid),
  };
}

/** The row of `checkName` measured during `storm`'s logins. */
function stormName(checkName: string, storm: Scenario): string {
  return `${checkName} at ${stormCheckLoad.overallRate}/s during ${storm.name} storm`;
}

/** Token checks at a steady rate while logins saturate the CPU. */
async function measureStorm(
  baseUrl: string,
  checks: Scenario[],
  storm: Scenario,
  checkName: string,
): Promise<Row | null> {
  const name = stormName(checkName, storm);
  if (!selected(name)) return null;
  const check = checks.find((candidate) => candidate.name === checkName)!;
  log(name);
  const [answered] = await Promise.all([
    (async () => {
      await drive(baseUrl, check.requests, stormCheckLoad, timing.warmupSeconds);
      return drive(
        baseUrl,
        check.requests,
        { ...stormCheckLoad, ...expectationsOf(check) },
        timing.seconds,
      );
    })(),
    drive(baseUrl, storm.requests, loginLoad, timing.warmupSeconds + timing.seconds),
  ]);
  return { name, kind: 'storm', figure: toFigure(answered, null) };
}

/**
 * Seeds up to SCALE_USERS users and user tokens, then measures the checks again over a random
 * sample of them, with the limits again beside them.
 */
async function measureAtScale(
  store: BenchStore,
  population: BenchPopulation,
  minter: TokenMinter,
  baseUrl: string,
  pid: number,
  passwordHash: string,
  limits: BareVerifiers,
  lookupLimit: LookupLimit,
): Promise<Row[]> {
  log(`seeding up to ${SCALE_USERS} users and user tokens`);
  const started = Date.now();
  await seedUsers(store, population, passwordHash, USERS + 1, SCALE_USERS);
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  logMemory('after the seed at scale', pid);
  const sample = Array.from({ length: SAMPLE }, () => 1 + Math.floor(Math.random() * SCALE_USERS));
  const scenario = scenarios(population, minter, sample);
  // The PostgreSQL limit's table holds as many accounts as users at scale too, read over the same
  // sample; the SQLite limit's keeps the first users'.
  const limitRequests = typeof lookupLimit === 'string' ? undefined : scenario.bareJwtCheck;
  if (limitRequests) await growPostgresLimitTable(store, USERS + 1, SCALE_USERS);
  const suffix = ` at ${SCALE_USERS.toLocaleString('en')}`;
  const checks = checkFigures(baseUrl, scenario.checks, pid, suffix).map((figure) => ({
    ...figure,
    kind: `scale-${figure.kind}`,
    comparedTo: figure.name.slice(0, -suffix.length),
  }));
  return inRounds([...limits.figures(` (beside the checks${suffix})`, limitRequests), ...checks]);
}

/**
 * Resident memory right after the last figure, and again once the server has been idle for a few
 * seconds (V8 gives back the heap it grew under load when allocation stops, not at once).
 */
async function memoryAfterRun(pid: number): Promise<BenchReport['memory']> {
  const rightAfter = processMemoryMb(pid);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
  const settled = processMemoryMb(pid);
  return { rightAfterMb: rightAfter.rssMb, settledMb: settled.rssMb, peakMb: settled.peakRssMb };
}

/** a[0], b[0], a[1], b[1], …: two kinds of request taken in turns. */
function interleave<T>(a: T[], b: T[]): T[] {
  return a.flatMap((item, i) => (i < b.length ? [item, b[i]] : [item]));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Where the server's memory went, phase by phase, so a missed memory target can be traced. */
function logMemory(phase: string, pid: number): void {
  const memory = processMemoryMb(pid);
  log(
    `memory ${phase}: ${memory.rssMb.toFixed(0)} MB resident (private ${memory.anonMb.toFixed(0)}, ` +
      `mapped files ${memory.fileMb.toFixed(0)}, shared ${memory.shmemMb.toFixed(0)})`,
  );
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
