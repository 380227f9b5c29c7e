import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProdCommand } from '../support/server-process.js';
import { commandsOf, extractScript, firstMismatch } from './readme-script.js';
import { baseEnv, freePort, waitUntilOk } from './support/processes.js';

/**
 * The README's examples, run as the script they are (npm run test:system; it needs curl, jq and
 * openssl, which npm test does not): `npm run build`, then the server as `npm run start:prod`
 * starts it, with nothing set but the port and a fresh SQLite file, then the script in bash with
 * `-euo pipefail`. Every curl in it has `-f`, so an error status stops it; what it prints must be
 * what the README's comments say, line by line.
 */

const PROJECT = process.cwd();

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(file: string, cwd: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolveRun) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', file],
      { cwd, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolveRun({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('README: the examples, pasted into bash on a fresh install', () => {
  const script = extractScript(readFileSync('README.md', 'utf8'));
  let scratch: string;
  let server: ChildProcess | undefined;
  let serverOutput = '';
  let baseUrl: string;
  let databaseUrl: string;

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build'], { timeout: 240_000 });
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
    const port = await freePort();
    baseUrl = `http://localhost:${port}`;
    databaseUrl = `sqlite:${join(scratch, 'gatehouse.sqlite')}`;
    const { command, env } = startProdCommand('dist');
    server = spawn(command, [], {
      cwd: PROJECT,
      env: { ...baseEnv(), ...env, PORT: String(port), DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString('utf8')));
    server.stderr!.on('data', (chunk: Buffer) => (serverOutput += chunk.toString('utf8')));
    await waitUntilOk(`${baseUrl}/health/ready`, () => serverOutput);
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((done) => server!.once('exit', done));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('has an example for each API and for what is around them', () => {
    for (const route of [
      '/api/users',
      '/api/token',
      '/auth/login',
      '/auth/bump',
      '/v1/auth',
      '/api/v1/security/token',
      '/auth/validate/',
      '/auth/loginwithrsa',
      '/.well-known/jwks.json',
      '/health/ready',
      'npx gatehouse users:create',
      '/api/admin/users',
      '/api/me',
      '/api/me/totp',
      '/api/admin/audit-events',
      '/metrics',
    ]) {
      expect(script, route).toContain(route);
    }
    // Every URL goes through $GATEHOUSE, so that the script runs against any port.
    expect(script.replace('${GATEHOUSE:-http://localhost:3000}', '')).not.toMatch(
      /localhost|:3000/,
    );
  });

  it('runs to the end against a fresh server, printing the answers its comments show', async () => {
    // The project directory as the README has it, without writing into the real one: the CLI is
    // a local bin there (as `npx gatehouse` finds it in a clone), the installed packages are
    // there (the second-factor example computes its code with one), and hawk.key and the cookie
    // jar land in the scratch directory.
    const cwd = join(scratch, 'project');
    mkdirSync(join(cwd, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(
      join(PROJECT, 'bin', 'gatehouse.js'),
      join(cwd, 'node_modules', '.bin', 'gatehouse'),
    );
    for (const entry of readdirSync(join(PROJECT, 'node_modules'))) {
      if (entry !== '.bin') {
        symlinkSync(join(PROJECT, 'node_modules', entry), join(cwd, 'node_modules', entry));
      }
    }
    const file = join(scratch, 'readme.sh');
    writeFileSync(
      file,
      `trap 'echo "README script failed at line $((LINENO - 1)): $BASH_COMMAND" >&2' ERR\n${script}\n`,
    );

    const run = await runScript(file, cwd, {
      ...baseEnv(),
      GATEHOUSE: baseUrl,
      // The CLI reads the server's database, as it would in the project directory.
      DATABASE_URL: databaseUrl,
    });

    const numbered = script
      .split('\n')
      .map((line, index) => `${String(index + 1).padStart(3)}  ${line}`)
      .join('\n');
    const report = `\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- script\n${numbered}\n--- server\n${serverOutput.slice(-4000)}`;
    expect(run.code, `the script exited ${run.code}${report}`).toBe(0);
    const mismatch = firstMismatch(commandsOf(script), run.stdout);
    expect(mismatch, `${mismatch}${report}`).toBeUndefined();
  }, 300_000);
});
