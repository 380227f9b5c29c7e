import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { baseEnv, freePort, waitUntilOk } from './support/processes.js';

/**
 * Forward authentication with a real nginx (npm run test:system; it needs nginx, which npm test
 * does not): the built server as start:prod runs it, a tiny service that answers with the X-Auth-*
 * headers it was given, and nginx in front of it with the proxy guide's configurations
 * (docs/nginx-forward-auth.conf and docs/nginx-forward-auth-signin.conf, their addresses pointed at
 * the two), in the foreground as this user.
 */

const CONF = 'docs/nginx-forward-auth.conf';
/** The browser-facing app's server: a page load without a credential goes to the sign-in page. */
const SIGNIN_CONF = 'docs/nginx-forward-auth-signin.conf';
const PORTAL = 'https://auth.example.com';
const ADMIN = { username: 'fwd-admin', password: 'admin-password-123' };
const PASSWORD = 'correct-horse-battery';

interface Seen {
  path: string;
  user?: string;
  userId?: string;
  privilege?: string;
  scope?: string;
}

let scratch: string;
let gatehouse: ServerProcess;
let app: Server;
let nginx: ChildProcess;
let nginxOutput = '';
let proxy: string;
/** nginx's browser-facing server (SIGNIN_CONF). */
let browserProxy: string;

/**
 * The configuration the proxy guide shows, pointed at this test's ports, in an http block, with
 * the browser-facing app's server beside it on `signinPort`.
 */
function nginxConf(
  gatehousePort: number,
  appPort: number,
  listenPort: number,
  signinPort: number,
): string {
  const shown = readFileSync(CONF, 'utf8');
  const pointed = shown
    .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${gatehousePort};`)
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${appPort};`)
    .replace('listen 8000;', `listen 127.0.0.1:${listenPort};`);
  expect(pointed).not.toBe(shown);
  const signinShown = readFileSync(SIGNIN_CONF, 'utf8');
  const signin = signinShown.replace('listen 8001;', `listen 127.0.0.1:${signinPort};`);
  expect(signin).not.toBe(signinShown);
  const temp = (name: string) => `${name}_temp_path ${join(scratch, name)};`;
  return `events {}
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
${pointed}
${signin}
}
`;
}

async function api(
  path: string,
  init: { method?: string; token?: string; body?: unknown; cookie?: string } = {},
): Promise<Response> {
  return fetch(`${gatehouse.baseUrl}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body ? { 'Content-Type': 'application/json' } : {}),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.cookie ? { Cookie: init.cookie } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
}

async function register(username: string): Promise<number> {
  const res = await api('/api/users', { body: { username, password: PASSWORD } });
  expect(res.status).toBe(201);
  return Number(res.headers.get('location')!.split('/').pop());
}

async function accessToken(username: string, password = PASSWORD): Promise<string> {
  const res = await api('/v1/auth', { body: { username, password } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function userToken(username: string): Promise<string> {
  const res = await fetch(`${gatehouse.baseUrl}/auth/login`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: '{}',
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

async function session(username: string): Promise<{ sid: string; cookie: string }> {
  const res = await api('/auth/login', { body: { login: username, password: PASSWORD } });
  expect(res.status).toBe(201);
  const { sid } = (await res.json()) as { sid: string };
  const cookie = res.headers.getSetCookie()[0].split(';')[0];
  return { sid, cookie };
}

/** A request through nginx; the service's answer (what it saw) when nginx let it through. */
async function viaProxy(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; seen: Seen | null; challenge: string | null }> {
  const res = await fetch(`${proxy}${path}`, { method, headers });
  const text = await res.text();
  return {
    status: res.status,
    seen: res.headers.get('x-test-app') ? (JSON.parse(text) as Seen) : null,
    challenge: res.headers.get('www-authenticate'),
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
  gatehouse = await startServerProcess(
    {
      DATABASE_URL: `sqlite:${join(scratch, 'gatehouse.sqlite')}`,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      TRUST_PROXY: '127.0.0.1',
    },
    [],
  );
  await waitUntilOk(`${gatehouse.baseUrl}/health/ready`, () => gatehouse.output());

  app = createServer((req, res) => {
    const seen: Seen = {
      path: req.url ?? '',
      user: req.headers['x-auth-user'] as string | undefined,
      userId: req.headers['x-auth-user-id'] as string | undefined,
      privilege: req.headers['x-auth-privilege'] as string | undefined,
      scope: req.headers['x-auth-scope'] as string | undefined,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'x-test-app': '1' });
    res.end(JSON.stringify(seen));
  });
  await new Promise<void>((listening) => app.listen(0, '127.0.0.1', listening));
  const appPort = (app.address() as { port: number }).port;

  const listenPort = await freePort();
  const signinPort = await freePort();
  const gatehousePort = Number(new URL(gatehouse.baseUrl).port);
  mkdirSync(join(scratch, 'logs'));
  const conf = join(scratch, 'nginx.conf');
  writeFileSync(conf, nginxConf(gatehousePort, appPort, listenPort, signinPort));
  // As root, nginx would hand its workers to nobody, who cannot enter this private directory.
  const user = process.getuid?.() === 0 ? 'user root; ' : '';
  nginx = spawn(
    'nginx',
    [
      '-p',
      scratch,
      '-c',
      conf,
      '-g',
      `${user}daemon off; pid ${join(scratch, 'nginx.pid')}; error_log stderr;`,
    ],
    { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  nginx.stdout!.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString('utf8')));
  nginx.stderr!.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString('utf8')));
  proxy = `http://127.0.0.1:${listenPort}`;
  browserProxy = `http://127.0.0.1:${signinPort}`;
  // Any answer at all (a 401 here) says nginx listens.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(proxy);
      break;
    } catch (error) {
      if (Date.now() > deadline || nginx.exitCode !== null)
        throw new Error(`nginx did not start: ${String(error)}\n${nginxOutput}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
  }
}, 300_000);

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((done) => nginx.once('exit', done));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await new Promise((closed) => (app ? app.close(closed) : closed(undefined)));
  if (gatehouse && gatehouse.child.exitCode === null) {
    gatehouse.child.kill('SIGTERM');
    await gatehouse.exited;
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('nginx auth_request in front of a service, with the configuration of docs/proxy.md', () => {
  it('runs the configuration docs/proxy.md shows, as it shows it', () => {
    const guide = readFileSync('docs/proxy.md', 'utf8');
    expect(guide).toContain(`\`\`\`nginx\n${readFileSync(CONF, 'utf8')}\`\`\`\n`);
  });

  it('answers 401 with the challenge, without reaching the service, for no credential', async () => {
    const res = await viaProxy('/orders');
    expect(res).toEqual({ status: 401, seen: null, challenge: 'Bearer realm="gatehouse"' });
    expect((await viaProxy('/orders', bearer('not-a-token'))).status).toBe(401);
  });

  it('lets an access JWT, a user token and a session through, and tells the service who it is', async () => {
    const id = await register('hawk');
    const expected = {
      user: 'hawk',
      userId: String(id),
      privilege: 'user',
      scope: 'profile:read profile:write',
    };
    const jwt = await viaProxy('/orders?x=1', bearer(await accessToken('hawk')));
    expect(jwt).toEqual({
      status: 200,
      seen: { path: '/orders?x=1', ...expected },
      challenge: null,
    });
    const token = await viaProxy('/orders', bearer(await userToken('hawk')));
    expect(token.seen).toEqual({ path: '/orders', ...expected });
    const { sid, cookie } = await session('hawk');
    const bySession = await viaProxy(`/orders?sid=${sid}`, { Cookie: cookie });
    expect(bySession.seen).toEqual({ path: `/orders?sid=${sid}`, ...expected });
    // The same cookie without the sid names no session.
    expect((await viaProxy('/orders', { Cookie: cookie })).status).toBe(401);
  });

  it('replaces X-Auth-* headers a client sends with what Gatehouse says', async () => {
    await register('wren');
    const res = await viaProxy('/orders', {
      ...bearer(await accessToken('wren')),
      'X-Auth-User': ADMIN.username,
      'X-Auth-Privilege': 'admin',
    });
    expect(res.seen).toMatchObject({ user: 'wren', privilege: 'user' });
  });

  it('answers any method, without passing the body to Gatehouse', async () => {
    await register('finch');
    const jwt = await accessToken('finch');
    const res = await fetch(`${proxy}/orders`, {
      method: 'POST',
      headers: { ...bearer(jwt), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(res.status).toBe(200);
    expect((await viaProxy('/orders', bearer(jwt), 'DELETE')).seen?.user).toBe('finch');
  });

  it('refuses a revoked token, a disabled user and a logged-out session: 401', async () => {
    const id = await register('crow');
    const admin = await accessToken(ADMIN.username, ADMIN.password);
    const revoked = await accessToken('crow');
    expect((await viaProxy('/orders', bearer(revoked))).status).toBe(200);
    const jti = JSON.parse(Buffer.from(revoked.split('.')[1], 'base64url').toString()) as {
      jti: string;
    };
    const revoke = await api('/api/admin/revoked-tokens', { token: admin, body: { jti: jti.jti } });
    expect(revoke.status).toBeLessThan(300);
    expect((await viaProxy('/orders', bearer(revoked))).status).toBe(401);

    const { sid, cookie } = await session('crow');
    expect((await viaProxy(`/orders?sid=${sid}`, { Cookie: cookie })).status).toBe(200);
    expect((await api(`/auth/logout/${sid}`, { method: 'POST', cookie })).status).toBeLessThan(300);
    expect((await viaProxy(`/orders?sid=${sid}`, { Cookie: cookie })).status).toBe(401);

    const live = await accessToken('crow');
    const token = await userToken('crow');
    const disable = await api(`/api/admin/users/${id}`, {
      method: 'PATCH',
      token: admin,
      body: { enabled: false },
    });
    expect(disable.status).toBe(200);
    expect((await viaProxy('/orders', bearer(live))).status).toBe(401);
    expect((await viaProxy('/orders', bearer(token))).status).toBe(401);
  });

  it('answers 403 to a user without the privilege a location asks for, and admits an admin', async () => {
    await register('owl');
    const refused = await viaProxy('/admin/report', bearer(await accessToken('owl')));
    expect(refused).toMatchObject({ status: 403, seen: null });
    const admitted = await viaProxy(
      '/admin/report',
      bearer(await accessToken(ADMIN.username, ADMIN.password)),
    );
    expect(admitted.seen).toMatchObject({ user: ADMIN.username, privilege: 'admin' });
  });
});

describe('nginx error_page 401 sending browsers to the sign-in portal', () => {
  it('runs the configuration docs/proxy.md shows, as it shows it', () => {
    const guide = readFileSync('docs/proxy.md', 'utf8');
    expect(guide).toContain(`\`\`\`nginx\n${readFileSync(SIGNIN_CONF, 'utf8')}\`\`\`\n`);
  });

  const PAGE = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
  const visit = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`${browserProxy}${path}`, { method, headers, redirect: 'manual' });

  it('sends a page load without a credential to the sign-in page, rd where it was going', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await visit('/orders/17?x=1', PAGE, method);
      expect([method, res.status]).toEqual([method, 302]);
      expect(res.headers.get('location')).toBe(`${PORTAL}/signin?rd=${browserProxy}/orders/17?x=1`);
      expect(res.headers.get('x-test-app')).toBeNull();
    }
  });

  it('keeps the 401 for what is not a page load, without reaching the service', async () => {
    for (const [headers, method] of [
      [{ Accept: 'application/json' }, 'GET'],
      [{}, 'GET'],
      [PAGE, 'POST'],
    ] as const) {
      const res = await visit('/orders', headers, method);
      expect([method, headers, res.status]).toEqual([method, headers, 401]);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('x-test-app')).toBeNull();
    }
  });

  it('lets the portal’s cookie through and tells the service who it is', async () => {
    const id = await register('heron');
    // The portal's cookie: a session of the one sessions table, as the sid followed by its secret.
    const { sid, cookie } = await session('heron');
    const secret = cookie.split('=')[1];
    const portalCookie = `gatehouse_session=${sid}${secret}`;
    const res = await visit('/orders/17?x=1', { ...PAGE, Cookie: portalCookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      path: '/orders/17?x=1',
      user: 'heron',
      userId: String(id),
      privilege: 'user',
      scope: 'profile:read profile:write',
    });
    expect((await api(`/auth/logout/${sid}`, { method: 'POST', cookie })).status).toBeLessThan(300);
    const ended = await visit('/orders', { ...PAGE, Cookie: portalCookie });
    expect(ended.status).toBe(302);
  });
});
