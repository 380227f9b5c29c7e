import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProdCommand } from '../support/server-process.js';
import {
  commandsOf,
  extractScript,
  fencesOf,
  firstMismatch,
  isShell,
  UNTESTED,
} from './walk-through-script.js';
import { baseEnv, freePort, waitUntilOk } from './support/processes.js';

/**
 * The examples of the README and of every guide in docs/, each page run as the script it is (npm
 * run test:system; it needs curl, jq, openssl and caddy, which npm test does not): `npm run
 * build`, then for each page a fresh server as `npm run start:prod` starts it, with nothing set
 * but the port and a fresh SQLite file, then the page's script in bash with `-euo pipefail`, in
 * the project directory as a reader would paste it. Every curl in it has `-f`, so an error status
 * stops it; what it prints must be what the page's comments say, line by line; and it leaves the
 * project's tree as it found it, since the pages write their files into a temporary directory.
 */

const PROJECT = process.cwd();
const run = promisify(execFile);

const PAGES = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const RUNNABLE = PAGES.filter((page) => extractScript(readFileSync(page, 'utf8')) !== '');

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(file: string, env: Record<string, string>): Promise<ScriptRun> {
  return new Promise((resolveRun) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', file],
      { cwd: PROJECT, env, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolveRun({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What git says differs from the last commit, untracked files included. */
async function treeState(): Promise<string> {
  const { stdout } = await run('git', ['status', '--porcelain', '--untracked-files=all'], {
    cwd: PROJECT,
  });
  return stdout;
}

describe('every shell block of the README and the guides', () => {
  it('is run, or marked untested with a word that says so above it', () => {
    for (const page of PAGES) {
      const markdown = readFileSync(page, 'utf8');
      for (const fence of fencesOf(markdown).filter(isShell)) {
        expect([`bash`, UNTESTED], `${page}:${fence.line} is fenced as ${fence.info}`).toContain(
          fence.info,
        );
        if (fence.info === UNTESTED) {
          const above = markdown
            .split('\n')
            .slice(Math.max(0, fence.line - 9), fence.line - 1)
            .join('\n');
          expect(above, `${page}:${fence.line} says it is untested`).toMatch(/untested/i);
        }
      }
    }
  });

  it('reaches Gatehouse through $GATEHOUSE only, so that it runs against any port', () => {
    for (const page of RUNNABLE) {
      const script = extractScript(readFileSync(page, 'utf8'));
      expect(script.replaceAll('${GATEHOUSE:-http://localhost:3000}', ''), page).not.toMatch(
        /localhost:3000|:3000\b/,
      );
    }
  });

  it('shows each API in the README, and each route around them in a guide', () => {
    const readme = extractScript(readFileSync('README.md', 'utf8'));
    for (const route of [
      '/api/users',
      '/auth/login',
      '/v1/auth',
      '/api/v1/security',
      '/auth/validate/',
    ]) {
      expect(readme, route).toContain(route);
    }
    const guides = RUNNABLE.filter((page) => page !== 'README.md')
      .map((page) => extractScript(readFileSync(page, 'utf8')))
      .join('\n');
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
      '/.well-known/openid-configuration',
      '/oauth2/introspect',
      '/oauth2/revoke',
      '/api/admin/clients',
      '/.well-known/ssf-configuration',
      '/ssf/streams',
      '/ssf/verify',
      '/ssf/poll/',
      '/auth/forward',
      '/signin',
      '/signout',
      '/health/ready',
      'npx gatehouse users:create',
      'npx gatehouse users:import',
      '/api/admin/users',
      '/api/me',
      '/api/me/totp',
      '/api/me/passkeys',
      '/webauthn/authentication',
      '/api/admin/audit-events',
      '/metrics',
    ]) {
      expect(guides, route).toContain(route);
    }
  });
});

/**
 * The pages run side by side, each against a server and a database of its own: most of a page's
 * time is its `npx gatehouse` commands starting up, one core each.
 */
describe.concurrent('the README and the guides, each pasted into bash on a fresh install', () => {
  // One build for every page: npm run build is quick when dist is up to date.
  beforeAll(() => run('npm', ['run', 'build'], { timeout: 240_000 }), 300_000);

  describe.each(RUNNABLE)('%s', (page) => {
    const script = extractScript(readFileSync(page, 'utf8'));
    let scratch: string;
    let server: ChildProcess | undefined;
    let serverOutput = '';
    let baseUrl: string;
    let databaseUrl: string;

    beforeAll(async () => {
      scratch = mkdtempSync(join(tmpdir(), 'gatehouse-walk-through-'));
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

    it('runs to the end, prints the answers its comments show, and leaves the tree clean', async () => {
      const file = join(scratch, 'walk-through.sh');
      writeFileSync(
        file,
        `trap 'echo "${page} script failed at line $((LINENO - 1)): $BASH_COMMAND" >&2' ERR\n${script}\n`,
      );
      const before = await treeState();

      const result = await runScript(file, {
        ...baseEnv(),
        GATEHOUSE: baseUrl,
        // The CLI reads the server's database, as it would in the project directory after npm start.
        DATABASE_URL: databaseUrl,
        // Where a page's own proxy listens, so that it runs beside other servers of this machine.
        PROXY_PORT: String(await freePort()),
      });

      const numbered = script
        .split('\n')
        .map((line, index) => `${String(index + 1).padStart(3)}  ${line}`)
        .join('\n');
      const report = `\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n--- script\n${numbered}\n--- server\n${serverOutput.slice(-4000)}`;
      expect(result.code, `the script exited ${result.code}${report}`).toBe(0);
      const mismatch = firstMismatch(commandsOf(script), result.stdout);
      expect(mismatch, `${mismatch}${report}`).toBeUndefined();
      expect(await treeState(), 'files the script left in the project').toBe(before);
    }, 300_000);
  });
});
