import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './load.js';

export interface Row {
  name: string;
  kind: string;
  figure: Figure;
  /** For a scale row: the same check at the small store. */
  comparedTo?: string;
  /** For the two-instance row: what PostgreSQL's sampled lock waits were (bench/two-instances.ts). */
  lockWaits?: LockWaits;
  /** For the two-instance row: the writes instance 2 took, by kind. */
  writes?: Record<string, WriteCount>;
  /** For the two-instance row: the database's connections by application_name. */
  connections?: Record<string, number>;
}

export interface WriteCount {
  requests: number;
  errors: number;
  perSecond: number;
  statuses: Record<number, number>;
}

export interface LockWaits {
  /** pg_stat_activity samples taken during the burst. */
  samples: number;
  /** Samples in which a check's connection (instance 1's) waited on a lock not granted. */
  checkSamples: number;
  /** Samples in which a writer's connection (instance 2's) waited on one. */
  writerSamples: number;
  /** What the writers waited on (lock, relation, query, the blocker's query), times sampled. */
  writers: Record<string, number>;
  /** What the checks waited on, when they did. */
  checks: Record<string, number>;
}

export interface BenchReport {
  database: string;
  bcryptCost: number;
  users: number;
  /** How many samples each figure is the median of. */
  rounds: number;
  rows: Row[];
  /** The server's, when one ran (not for the import alone). */
  memory?: { rightAfterMb: number; settledMb: number; peakMb: number };
}

interface Verdict {
  limit?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

const STORM_P99_MS = 20;
const TWO_INSTANCES_P99_MS = 20;
const RSS_LIMIT_MB = 150;
/** Which limit each kind of figure is compared with, and the least share of it to reach. */
const TARGETS: Record<string, { limitKind: string; min?: number }> = {
  'check-jwt': { limitKind: 'limit-jwt', min: 0.6 },
  'check-lookup': { limitKind: 'limit-lookup', min: 0.6 },
  'check-other': { limitKind: 'limit-jwt' },
  login: { limitKind: 'limit-bcrypt', min: 0.9 },
  // A service's own check of Gatehouse's JWTs (examples/ssf-receiver): no database, on either.
  'receiver-jwt': { limitKind: 'limit-jwt', min: 0.9 },
};
/** From a revocation's answer to the shared-signals receiver refusing the token, p99, by delivery. */
const REFUSAL_P99_MS: Record<string, number> = {
  'ssf-refusal-push': 1000,
  'ssf-refusal-poll': 2000,
};
/**
 * A proxy asks forward auth with the portal's cookie on every request of every signed-in browser:
 * held to 80% of its limit on either database.
 */
const PORTAL_COOKIE_MIN = { 'forward auth, portal cookie': 0.8 };
/**
 * Checks held to a higher share of their limit than their kind's, by database: on SQLite the three
 * checks other services make most, and on both the portal's cookie behind a proxy.
 */
const FIGURE_MIN: Record<string, Record<string, number>> = {
  sqlite: {
    'token check, access JWT': 0.7,
    'token check, user token': 0.7,
    'session validate': 0.7,
    ...PORTAL_COOKIE_MIN,
  },
  postgres: PORTAL_COOKIE_MIN,
};
const SCALE_MIN = 0.8;

/**
 * The limit a kind of figure is compared with on `database`. On PostgreSQL every check makes at
 * least one round trip (an access JWT's, for its liveness or the credential epoch), so every check
 * is compared with the verifier that makes one too: the PostgreSQL limit.
 */
function limitKindOf(kind: string, database: string): string | undefined {
  const limitKind = TARGETS[kind]?.limitKind;
  return database === 'postgres' && kind.startsWith('check-') ? 'limit-lookup' : limitKind;
}
/** The password login a passkey sign-in is compared with: both answer an access JWT. */
const PASSWORD_LOGIN = 'login, POST /v1/auth';
/** users:import: 100,000 users within a minute on SQLite. */
const IMPORT_TARGET = { users: 100_000, seconds: 60 };

export async function report(result: BenchReport, directory: string): Promise<void> {
  const verdicts = result.rows.map((row) => verdictOf(row, result.rows, result.database));
  const { memory } = result;
  const memoryMet = !memory || memory.rightAfterMb < RSS_LIMIT_MB;
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
  const table = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}; ` +
      `${result.database}, ${result.users.toLocaleString('en')} users, bcrypt cost ${result.bcryptCost}; ` +
      `each figure the median of ${result.rounds} samples taken in turns`,
    '',
    '| figure | req/s | p50 ms | p99 ms | server CPU µs/req | vs limit | target |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...result.rows.map((row, i) => tableRow(row, verdicts[i])),
    ...(memory
      ? [
          '',
          `Server resident memory right after the run: ${memory.rightAfterMb.toFixed(0)} MB ` +
            `(${memory.settledMb.toFixed(0)} MB after 10 s idle, peak ` +
            `${memory.peakMb.toFixed(0)} MB); target < ${RSS_LIMIT_MB} MB ${mark(memoryMet)}`,
        ]
      : []),
  ].join('\n');
  process.stdout.write(`${table}\n`);

  mkdirSync(directory, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const scale = result.rows.some((row) => row.comparedTo) ? '-scale' : '';
  const file = join(directory, `${stamp}-${result.database}${scale}.json`);
  const rows = result.rows.map((row, i) => ({ ...row, ...verdicts[i] }));
  writeFileSync(
    file,
    `${JSON.stringify({ date: new Date().toISOString(), machine, ...result, rows, memoryMet }, null, 2)}\n`,
  );
  process.stderr.write(`bench: results written to ${file}\n`);
  const missed = verdicts.filter((verdict) => verdict.met === false).length + (memoryMet ? 0 : 1);
  if (missed > 0) {
    process.stderr.write(`bench: ${missed} target(s) missed\n`);
    process.exitCode = 1;
  }
}

function verdictOf(row: Row, rows: Row[], database: string): Verdict {
  if (row.kind === 'import') {
    const seconds = row.figure.requests / row.figure.requestsPerSecond;
    const minRate = IMPORT_TARGET.users / IMPORT_TARGET.seconds;
    return {
      target:
        `${IMPORT_TARGET.users.toLocaleString('en')} users within ${IMPORT_TARGET.seconds} s ` +
        `(took ${seconds.toFixed(1)} s)`,
      met: row.figure.requestsPerSecond >= minRate && row.figure.errors === 0,
    };
  }
  if (row.kind === 'storm') {
    return {
      target: `p99 < ${STORM_P99_MS} ms`,
      met: row.figure.p99Ms < STORM_P99_MS && row.figure.errors === 0,
    };
  }
  if (row.kind in REFUSAL_P99_MS) {
    const p99 = REFUSAL_P99_MS[row.kind];
    return {
      target: `p99 < ${p99} ms`,
      met: row.figure.requests > 0 && row.figure.p99Ms < p99 && row.figure.errors === 0,
    };
  }
  if (row.kind === 'ssf-stream-rate') {
    const seconds = row.figure.requests / row.figure.requestsPerSecond;
    return {
      target: `every one of ${row.figure.requests} events delivered (took ${seconds.toFixed(2)} s)`,
      met: row.figure.errors === 0,
    };
  }
  if (row.kind === 'two-instances') {
    const waits = row.lockWaits;
    const checkWaits = waits ? `${waits.checkSamples} samples of ${waits.samples}` : 'not sampled';
    return {
      target: `p99 < ${TWO_INSTANCES_P99_MS} ms, check lock waits 0 (${checkWaits})`,
      met:
        row.figure.p99Ms < TWO_INSTANCES_P99_MS &&
        row.figure.errors === 0 &&
        waits !== undefined &&
        waits.samples > 0 &&
        waits.checkSamples === 0,
    };
  }
  if (row.kind === 'login-passkey') return passkeyVerdict(row, rows);
  if (row.comparedTo) {
    const ratio = scaleRatio(row, rows, database);
    return {
      limit: row.comparedTo,
      ratio,
      target: `≥ ${SCALE_MIN * 100}% of the small store`,
      met: ratio !== undefined && ratio >= SCALE_MIN && row.figure.errors === 0,
    };
  }
  const rule = TARGETS[row.kind];
  if (!rule) return {};
  const limitKind = limitKindOf(row.kind, database)!;
  const limit = rows.find((candidate) => candidate.kind === limitKind);
  const ratio = limit ? row.figure.requestsPerSecond / limit.figure.requestsPerSecond : undefined;
  const min = FIGURE_MIN[database]?.[row.name] ?? rule.min;
  if (min === undefined) return { limit: limit?.name, ratio };
  return {
    limit: limit?.name,
    ratio,
    target: `≥ ${Math.round(min * 100)}% of ${limitKind.replace('limit-', '')} limit`,
    met: ratio !== undefined && ratio >= min && row.figure.errors === 0,
  };
}

/**
 * A passkey sign-in beside the password login that answers the same access token: how many times
 * less server CPU it takes (it verifies one ECDSA signature where the login runs bcrypt). Shown,
 * not held to a figure: it is met while the passkey costs less.
 */
function passkeyVerdict(row: Row, rows: Row[]): Verdict {
  const login = rows.find((candidate) => candidate.name === PASSWORD_LOGIN);
  const passkeyCpu = row.figure.cpuMicrosPerRequest;
  const loginCpu = login?.figure.cpuMicrosPerRequest;
  if (!login || !passkeyCpu || !loginCpu) return {};
  const times = loginCpu / passkeyCpu;
  return {
    limit: PASSWORD_LOGIN,
    ratio: row.figure.requestsPerSecond / login.figure.requestsPerSecond,
    target: `${times.toFixed(1)}× less server CPU than ${PASSWORD_LOGIN}`,
    met: times > 1 && row.figure.errors === 0,
  };
}

/**
 * A check at scale against the same check at the small store, each first taken as a share of the
 * limit measured beside it (the machine's speed can change between the two phases); the raw
 * ratio when the limits were not measured.
 */
function scaleRatio(row: Row, rows: Row[], database: string): number | undefined {
  const base = rows.find((candidate) => candidate.name === row.comparedTo);
  if (!base) return undefined;
  const raw = row.figure.requestsPerSecond / base.figure.requestsPerSecond;
  const limitKind = limitKindOf(base.kind, database);
  const limitThen = rows.find((candidate) => candidate.kind === limitKind);
  const limitNow = rows.find((candidate) => candidate.kind === `scale-${limitKind}`);
  if (!limitThen || !limitNow) return raw;
  return raw / (limitNow.figure.requestsPerSecond / limitThen.figure.requestsPerSecond);
}

const WHOLE_RUNS = new Set(['import', 'ssf-stream-rate']);

function tableRow(row: Row, verdict: Verdict): string {
  const { figure } = row;
  const cells = [
    row.name + (figure.errors ? ` (${figure.errors} errors)` : ''),
    figure.requestsPerSecond.toFixed(figure.requestsPerSecond < 100 ? 1 : 0),
    // An import, or a stream's backlog, is one run timed whole: a rate, no latencies.
    WHOLE_RUNS.has(row.kind) ? '' : figure.p50Ms.toFixed(1),
    WHOLE_RUNS.has(row.kind) ? '' : figure.p99Ms.toFixed(1),
    figure.cpuMicrosPerRequest === null ? '' : figure.cpuMicrosPerRequest.toFixed(0),
    verdict.ratio === undefined ? '' : `${(verdict.ratio * 100).toFixed(0)}%`,
    verdict.target ? `${verdict.target} ${mark(verdict.met)}` : '',
  ];
  return `| ${cells.join(' | ')} |`;
}

function mark(met: boolean | undefined): string {
  return met ? '✓' : '✗';
}
