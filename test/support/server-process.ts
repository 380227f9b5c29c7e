import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * Where the tests' build of the server is, inside the project so that node_modules resolves:
 * test/support/global-setup.ts compiles it once per run, before the test files that import this
 * one start (vitest.config.ts runs them as a project with that setup). Named after the checkout:
 * git worktrees may share one node_modules, and a run in one must not serve another's sources.
 */
export const BUILD_DIR = join(
  process.cwd(),
  'node_modules',
  '.cache',
  `gatehouse-e2e-dist-${createHash('sha256').update(process.cwd()).digest('hex').slice(0, 12)}`,
);
export const MAIN_JS = join(BUILD_DIR, 'src', 'main.js');
export const CLI_JS = join(BUILD_DIR, 'src', 'cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Its standard input, closed in any case. */
  input?: string;
  /** Its whole environment besides PATH. */
  env?: Record<string, string>;
  cwd?: string;
  /** Killed after it, which fails the run (exit code 1). */
  timeoutMs?: number;
}

/** Runs the built CLI with `args`. */
export function runCliWith(
  args: string[],
  { input = '', env = {}, cwd, timeoutMs = 30_000 }: CliOptions = {},
): Promise<CliRun> {
  return new Promise((resolveRun) => {
    const child = execFile(
      process.execPath,
      [CLI_JS, ...args],
      { env: { PATH: process.env.PATH, ...env }, cwd, timeout: timeoutMs },
      (error, stdout, stderr) =>
        resolveRun({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

/** Runs the built CLI with `args` against the database at `databaseUrl`, at the tests' bcrypt cost. */
export function runCliOn(
  databaseUrl: string,
  args: string[],
  { input, env = {}, timeoutMs }: Pick<CliOptions, 'input' | 'env' | 'timeoutMs'> = {},
): Promise<CliRun> {
  return runCliWith(args, {
    input,
    timeoutMs,
    env: { DATABASE_URL: databaseUrl, BCRYPT_COST: '4', ...env },
  });
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
  exited: Promise<number | null>;
}

/** The server's launcher (`npm start`, start:prod, the Docker image): it owns node's options. */
export const LAUNCHER = resolve('bin', 'gatehouse-server');

/**
 * How `npm run start:prod` starts a build: `command` (the launcher) with `env` added to the
 * environment, which points it at this node and at `buildDir`'s entry point (the tests' own build,
 * or `dist` as start:prod has it).
 */
export interface StartProdCommand {
  command: string;
  env: Record<string, string>;
}

export function startProdCommand(buildDir = 'dist'): StartProdCommand {
  return {
    command: LAUNCHER,
    env: launcherEnv(join(resolve(buildDir), 'src', 'main.js')),
  };
}

/** The launcher's environment: this node, `main` as the entry point, and more node options. */
function launcherEnv(main: string, nodeArgs: string[] = []): Record<string, string> {
  return {
    NODE: process.execPath,
    GATEHOUSE_MAIN: main,
    GATEHOUSE_NODE_OPTIONS: nodeArgs.join(' '),
  };
}

/**
 * Runs the compiled server and waits until it listens. Given `nodeArgs`, through the launcher as
 * start:prod starts it, with these node options besides its own; else with node's defaults (a
 * login burst then runs at normal priority under a busy test run).
 */
export async function startServerProcess(
  env: Record<string, string>,
  nodeArgs?: string[],
): Promise<ServerProcess> {
  const [command, args, launch] = nodeArgs
    ? [LAUNCHER, [], launcherEnv(MAIN_JS, nodeArgs)]
    : [process.execPath, [MAIN_JS], {}];
  const child = spawn(command, args, {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      BCRYPT_COST: '4',
      ...env,
      ...launch,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
    }, 20_000);
    const poll = setInterval(() => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!match) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve(match[1]);
    }, 50);
    void exited.then(() => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`server exited:\n${output}`));
    });
  });
  return { child, baseUrl, output: () => output, exited };
}

/** Runs a compiled entry point (the server by default) to completion. */
export async function runServerToExit(
  env: Record<string, string>,
  args: string[] = [MAIN_JS],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { env: { PATH: process.env.PATH, ...env }, timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * Stops a server started by startServerProcess: SIGTERM, then SIGKILL if it has not exited within
 * `graceMs`. Resolves with its exit code (null when a signal ended it); a no-op once it has exited.
 */
export async function stopServerProcess(
  server: ServerProcess | undefined,
  graceMs = 10_000,
): Promise<number | null> {
  if (!server) return null;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await server.exited;
    } finally {
      clearTimeout(timer);
    }
  }
  return server.exited;
}
