import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { baseEnv } from '../system/support/processes.js';

/**
 * The sign-in portal as a deployment has it, for the browser tests: Gatehouse as
 * auth.<domain> and an app as app.<domain>, both behind one proxy on one port (Chromium resolves
 * *.<domain> to this machine with --host-resolver-rules), the app behind forward auth. The app
 * answers with the X-Auth-User it was given.
 */

/** What the app saw of a request: its path, and the user the proxy named. */
export interface Seen {
  path: string;
  user: string | null;
}

/** The app: what it saw as JSON, or at /forge a form that posts a portal form from this origin. */
export function startEchoApp(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname === '/forge') {
      const field = (name: string) => escapeHtml(url.searchParams.get(name) ?? '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html lang="en"><title>Forge</title><form method="post" action="${field('action')}">` +
          `<input type="hidden" name="_csrf" value="${field('token')}"><button>Send</button></form>`,
      );
      return;
    }
    const user = req.headers['x-auth-user'];
    const seen: Seen = { path: req.url ?? '', user: typeof user === 'string' ? user : null };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(seen));
  });
  return new Promise((listening) => server.listen(0, '127.0.0.1', () => listening(server)));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Where everything listens, and a private directory for the proxy's files. */
export interface ProxySetup {
  /** The domain both names are under (COOKIE_DOMAIN). */
  domain: string;
  /** The port the proxy listens on, for both names. */
  proxyPort: number;
  gatehousePort: number;
  appPort: number;
  scratch: string;
}

export interface RunningProxy {
  stop(): Promise<void>;
  output(): string;
}

const SIGNIN_CONF = 'docs/nginx-forward-auth-signin.conf';

/** The portal as the browser reaches it through the proxy: PUBLIC_URL. */
export const portalOrigin = ({ domain, proxyPort }: Pick<ProxySetup, 'domain' | 'proxyPort'>) =>
  `http://auth.${domain}:${proxyPort}`;

/** The app as the browser reaches it through the proxy. */
export const appOriginOf = ({ domain, proxyPort }: Pick<ProxySetup, 'domain' | 'proxyPort'>) =>
  `http://app.${domain}:${proxyPort}`;

/** nginx with the guide's sign-in configuration for the app, and the portal passed on as it is. */
function nginxConf(setup: ProxySetup): string {
  const { domain, proxyPort, gatehousePort, appPort, scratch } = setup;
  const shown = readFileSync(SIGNIN_CONF, 'utf8');
  const appServer = shown
    .replace('listen 8001;', `listen 127.0.0.1:${proxyPort};\n  server_name app.${domain};`)
    .replace('https://auth.example.com/signin', `${portalOrigin(setup)}/signin`);
  expect(appServer).not.toContain('8001');
  expect(appServer).not.toContain('auth.example.com');
  const temp = (name: string) => `${name}_temp_path ${join(scratch, 'nginx', name)};`;
  return `events {}
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  upstream gatehouse { server 127.0.0.1:${gatehousePort}; }
  upstream app       { server 127.0.0.1:${appPort}; }

  server {
    listen 127.0.0.1:${proxyPort};
    server_name auth.${domain};
    location / {
      proxy_pass http://gatehouse;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }

${appServer}
}
`;
}

/** nginx (auth_request, and error_page 401 sending page loads to the portal). */
export function startNginx(setup: ProxySetup): Promise<RunningProxy> {
  const directory = join(setup.scratch, 'nginx');
  mkdirSync(directory, { recursive: true });
  const conf = join(directory, 'nginx.conf');
  writeFileSync(conf, nginxConf(setup));
  // As root, nginx would hand its workers to nobody, who cannot enter this private directory.
  const user = process.getuid?.() === 0 ? 'user root; ' : '';
  return runProxy(setup, 'nginx', [
    '-p',
    directory,
    '-c',
    conf,
    '-g',
    `${user}daemon off; pid ${join(directory, 'nginx.pid')}; error_log stderr;`,
  ]);
}

/** Caddy (forward_auth with signin=redirect, whose 302 Caddy hands to the browser). */
export function startCaddy(setup: ProxySetup): Promise<RunningProxy> {
  const { domain, proxyPort, gatehousePort, appPort, scratch } = setup;
  const directory = join(scratch, 'caddy');
  mkdirSync(directory, { recursive: true });
  const caddyfile = join(directory, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
	admin off
	auto_https off
}
http://auth.${domain}:${proxyPort} {
	bind 127.0.0.1
	reverse_proxy 127.0.0.1:${gatehousePort}
}
http://app.${domain}:${proxyPort} {
	bind 127.0.0.1
	forward_auth 127.0.0.1:${gatehousePort} {
		uri /auth/forward?signin=redirect
		copy_headers X-Auth-User X-Auth-User-Id X-Auth-Privilege X-Auth-Scope
	}
	reverse_proxy 127.0.0.1:${appPort}
}
`,
  );
  return runProxy(setup, 'caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    HOME: directory,
    XDG_DATA_HOME: directory,
    XDG_CONFIG_HOME: directory,
  });
}

/** Runs a proxy in the foreground until the portal answers through it. */
async function runProxy(
  setup: ProxySetup,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunningProxy> {
  const child: ChildProcess = spawn(command, args, {
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + 30_000;
  while ((await portalStatusViaProxy(setup)) !== 200) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${command} did not pass the portal on:\n${output}`);
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** The status of the portal's /health/live asked through the proxy by name, or null. */
function portalStatusViaProxy({ domain, proxyPort }: ProxySetup): Promise<number | null> {
  return new Promise((answered) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: '/health/live',
        headers: { Host: `auth.${domain}:${proxyPort}` },
      },
      (res) => {
        res.resume();
        answered(res.statusCode ?? null);
      },
    );
    req.on('error', () => answered(null));
    req.end();
  });
}
