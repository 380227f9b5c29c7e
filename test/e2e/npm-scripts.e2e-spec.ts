import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MAIN_JS } from '../support/server-process.js';

/**
 * `npm start` and `npm run start:prod` as a supervisor runs them: npm started as a process of its
 * own, and SIGTERM sent to npm's pid, the one process a supervisor knows. npm passes the signal to
 * its script's shell; the scripts exec the launcher, which execs node, so that the signal reaches
 * the server, which stops gracefully, exits 0 and frees its port.
 *
 * The scripts run from a copy of package.json in a directory of their own, where the launcher
 * serves the tests' build and `nest build` is a stand-in that records it ran: a real build takes
 * about 15 s of CPU even when nothing changed (it empties dist first), and the global setup has
 * built the server once already.
 */

interface LogLine {
  level: string;
  pid: number;
  msg: string;
  context?: string;
}

/** The Nest classes that log each module and route as the app is built. */
const FRAMEWORK_CONTEXTS = ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer'];

const postgres = process.env.DATABASE_URL?.startsWith('postgres') ?? false;

interface NpmRun {
  npm: ChildProcess;
  exited: Promise<number | null>;
  closed: Promise<void>;
  output(): string;
  baseUrl: string;
  port: number;
  serverPid: number;
}

/** A project directory whose scripts are package.json's, with `nest` a stand-in that records its call. */
function projectCopy(): string {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-npm-'));
  copyFileSync('package.json', join(directory, 'package.json'));
  symlinkSync(resolve('bin'), join(directory, 'bin'));
  mkdirSync(join(directory, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(
    join(directory, 'node_modules', '.bin', 'nest'),
    '#!/bin/sh\necho "$@" > nest-ran\n',
    {
      mode: 0o755,
    },
  );
  return directory;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Runs `npm <args>` in `directory` and waits until its server listens and answers /health/live. */
async function runNpm(
  args: string[],
  directory: string,
  env: Record<string, string>,
): Promise<NpmRun> {
  const npm = spawn('npm', args, {
    cwd: directory,
    env: {
      PATH: process.env.PATH,
      // npm's cache and logs in the directory, and no look for a newer npm.
      HOME: directory,
      npm_config_update_notifier: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      BCRYPT_COST: '4',
      NODE: process.execPath,
      GATEHOUSE_MAIN: MAIN_JS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  npm.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => npm.on('exit', resolve));
  // Once every process that shares npm's output (the server too) has ended.
  const closed = new Promise<void>((resolve) => npm.on('close', () => resolve()));
  const listening = await new Promise<LogLine>((resolve, reject) => {
    const timer = setTimeout(() => {
      npm.kill('SIGKILL');
      reject(new Error(`npm ${args.join(' ')} did not start the server:\n${output}`));
    }, 30_000);
    const onData = () => {
      const line = logLines(output).find((entry) => entry.msg.startsWith('Server listening at'));
      if (!line) return;
      clearTimeout(timer);
      npm.stdout!.off('data', onData);
      resolve(line);
    };
    npm.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npm ${args.join(' ')} exited:\n${output}`));
    });
  });
  const baseUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening.msg)![1];
  expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
  return {
    npm,
    exited,
    closed,
    output: () => output,
    baseUrl,
    port: Number(new URL(baseUrl).port),
    serverPid: listening.pid,
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Whether the port can be listened on again, as the next start would. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** SIGTERM to npm's own pid; then npm, its shell and the server are gone, the server having exited 0. */
async function stopsOnSigtermToNpm(run: NpmRun): Promise<LogLine[]> {
  expect(run.serverPid).not.toBe(run.npm.pid);
  expect(isRunning(run.serverPid)).toBe(true);
  run.npm.kill('SIGTERM');
  // npm exits with its script's exit code, here the server's, once the server has exited.
  expect(await run.exited).toBe(0);
  expect(isRunning(run.serverPid)).toBe(false);
  expect(await portIsFree(run.port)).toBe(true);
  await run.closed;
  const lines = logLines(run.output()).filter((line) => line.pid === run.serverPid);
  expect(lines.at(-1)).toMatchObject({
    level: 'info',
    msg: expect.stringMatching(/^Stopped on SIGTERM\b/),
  });
  return lines;
}

describe('the npm scripts, signalled as a supervisor signals them', () => {
  let database: TestDatabase;
  let directory: string;
  let running: NpmRun | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    directory = projectCopy();
  });
  afterEach(() => {
    // What a failed test left behind would hold its port and database.
    if (running && isRunning(running.serverPid)) process.kill(running.serverPid, 'SIGKILL');
    if (running?.npm.exitCode === null) running.npm.kill('SIGKILL');
    running = undefined;
  });
  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    await database.drop();
  });

  it('npm run start:prod: SIGTERM to npm stops the server gracefully; the start says a few lines at info', async () => {
    running = await runNpm(['run', 'start:prod'], directory, { DATABASE_URL: database.url });
    const lines = await stopsOnSigtermToNpm(running);

    // At the default LOG_LEVEL: a start says where it listens and on which database, how the
    // speed-ups stand and (on PostgreSQL without a key) that second factors cannot be enrolled,
    // besides what a first start on an empty database makes (a signing key, on SQLite a key file).
    const listeningAt = lines.findIndex((line) => line.msg.startsWith('Server listening at'));
    const start = lines.slice(0, listeningAt + 1);
    expect(start.every((line) => ['info', 'warn'].includes(line.level))).toBe(true);
    expect(start.length).toBeLessThanOrEqual(5);
    expect(start.filter((line) => FRAMEWORK_CONTEXTS.includes(line.context ?? ''))).toEqual([]);
    expect(start.at(-1)!.msg).toContain(`database ${database.url.split(':')[0]}`);

    const totpWarnings = start.filter(
      (line) => line.level === 'warn' && line.msg.includes('TOTP_ENCRYPTION_KEY'),
    );
    expect(totpWarnings).toHaveLength(postgres ? 1 : 0);
    if (postgres) expect(totpWarnings[0].msg).toMatch(/is unset.*503/);
  });

  it('npm start: builds, serves, and SIGTERM to npm stops the server gracefully; Nest’s lines are at debug', async () => {
    rmSync(join(directory, 'nest-ran'), { force: true });
    running = await runNpm(['start'], directory, {
      DATABASE_URL: database.url,
      LOG_LEVEL: 'debug',
      TOTP_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(readFileSync(join(directory, 'nest-ran'), 'utf8').trim()).toBe('build');
    const lines = await stopsOnSigtermToNpm(running);

    const framework = lines.filter((line) => FRAMEWORK_CONTEXTS.includes(line.context ?? ''));
    expect(framework.length).toBeGreaterThan(50);
    expect(new Set(framework.map((line) => line.level))).toEqual(new Set(['debug']));
    expect(lines.filter((line) => line.msg.includes('TOTP_ENCRYPTION_KEY'))).toEqual([]);
  });
});
