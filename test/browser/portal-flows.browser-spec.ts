import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchChromium } from '../support/chromium.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { enrolTotp } from '../support/credentials.js';
import { registerUser, uniqueName, type TestUser } from '../support/fixtures.js';
import { PORTAL_SCREENSHOTS, screenshotPortal } from '../support/portal-screenshots.js';
import { baseEnv, freePort } from '../system/support/processes.js';

/**
 * The sign-in portal in a real browser, through real proxies, on names: Gatehouse is
 * auth.gatehouse.test and an app is app.gatehouse.test, both behind one proxy on one port as a
 * deployment has them (Chromium resolves *.gatehouse.test to this machine), the portal's cookie
 * set for the whole domain. The app answers with the X-Auth-User it was given. The same flows run
 * behind nginx (auth_request, and error_page 401 sending page loads to the portal, as
 * docs/nginx-forward-auth-signin.conf has it) and behind Caddy (forward_auth with
 * signin=redirect, whose 302 Caddy hands to the browser), one after the other on the same port,
 * so that one Gatehouse with one PUBLIC_URL serves both.
 */

const DOMAIN = 'gatehouse.test';
const PASSWORD = 'correct-horse-battery';
const STEP_MS = 30_000;
const SIGNIN_CONF = 'docs/nginx-forward-auth-signin.conf';
const WRONG_CREDENTIALS = 'The username or password is not right.';
const FORM_REFUSED = 'This form had expired or came from another site';

/** WCAG 2.0 and 2.1, levels A and AA, as axe-core tags its rules. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

let scratch: string;
let t: TestApp;
let clock: TestClock;
let app: Server;
let appPort: number;
let gatehousePort: number;
let proxyPort: number;
let browser: Browser;
/** PUBLIC_URL: the portal as the browser reaches it, through the proxy. */
let portal: string;
/** The app as the browser reaches it, through the proxy. */
let appOrigin: string;

interface Seen {
  path: string;
  user: string | null;
}

/** The app: what it saw as JSON, or at /forge a form that posts a portal form from this origin. */
function startApp(): Promise<Server> {
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

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gatehouse-flows-'));
  proxyPort = await freePort();
  gatehousePort = await freePort();
  portal = `http://auth.${DOMAIN}:${proxyPort}`;
  appOrigin = `http://app.${DOMAIN}:${proxyPort}`;
  t = await startTestApp({
    PUBLIC_URL: portal,
    COOKIE_DOMAIN: DOMAIN,
    TRUST_PROXY: '127.0.0.1',
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  await t.app.listen(gatehousePort, '127.0.0.1');
  clock = controlClock(t);
  app = await startApp();
  appPort = (app.address() as { port: number }).port;
  browser = await launchChromium([`--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1`]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((closed) => (app ? app.close(closed) : closed(undefined)));
  clock?.restore();
  await t?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Each proxy, started with the portal's host passed to Gatehouse and the app's behind it. */
const PROXIES = { nginx: startNginx, caddy: startCaddy } as const;

function nginxConf(): string {
  const shown = readFileSync(SIGNIN_CONF, 'utf8');
  const appServer = shown
    .replace('listen 8001;', `listen 127.0.0.1:${proxyPort};\n  server_name app.${DOMAIN};`)
    .replace('https://auth.example.com/signin', `${portal}/signin`);
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
    server_name auth.${DOMAIN};
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

function startNginx(): Promise<RunningProxy> {
  const directory = join(scratch, 'nginx');
  mkdirSync(directory, { recursive: true });
  const conf = join(directory, 'nginx.conf');
  writeFileSync(conf, nginxConf());
  // As root, nginx would hand its workers to nobody, who cannot enter this private directory.
  const user = process.getuid?.() === 0 ? 'user root; ' : '';
  return runProxy('nginx', [
    '-p',
    directory,
    '-c',
    conf,
    '-g',
    `${user}daemon off; pid ${join(directory, 'nginx.pid')}; error_log stderr;`,
  ]);
}

function startCaddy(): Promise<RunningProxy> {
  const directory = join(scratch, 'caddy');
  mkdirSync(directory, { recursive: true });
  const caddyfile = join(directory, 'Caddyfile');
  writeFileSync(
    caddyfile,
    `{
	admin off
	auto_https off
}
http://auth.${DOMAIN}:${proxyPort} {
	bind 127.0.0.1
	reverse_proxy 127.0.0.1:${gatehousePort}
}
http://app.${DOMAIN}:${proxyPort} {
	bind 127.0.0.1
	forward_auth 127.0.0.1:${gatehousePort} {
		uri /auth/forward?signin=redirect
		copy_headers X-Auth-User X-Auth-User-Id X-Auth-Privilege X-Auth-Scope
	}
	reverse_proxy 127.0.0.1:${appPort}
}
`,
  );
  return runProxy('caddy', ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    HOME: directory,
    XDG_DATA_HOME: directory,
    XDG_CONFIG_HOME: directory,
  });
}

interface RunningProxy {
  stop(): Promise<void>;
  output(): string;
}

/** Runs a proxy in the foreground until the portal answers through it. */
async function runProxy(
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
  while ((await portalStatusViaProxy()) !== 200) {
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
function portalStatusViaProxy(): Promise<number | null> {
  return new Promise((answered) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: '/health/live',
        headers: { Host: `auth.${DOMAIN}:${proxyPort}` },
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

async function createUser(prefix: string): Promise<TestUser> {
  return registerUser(t, uniqueName(prefix), PASSWORD, {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: `${prefix}@example.com`,
  });
}

const codeFor = (secret: string) =>
  generateSync({ secret, epoch: Math.floor(clock.nowMs() / 1000) });

/**
 * A user whose TOTP is on, through the self-service API, with a code of otplib (a TOTP of its
 * own, not the server's); the clock then moves to the next step, since a code is taken once.
 */
async function userWithTotp(): Promise<{ user: TestUser; secret: string }> {
  const user = await createUser('flow-totp');
  const { secret } = await enrolTotp(t, user, codeFor);
  clock.advance(STEP_MS);
  return { user, secret };
}

/** Clicks `name` and waits for the page it leads to: the answer the browser ended on. */
async function click(page: Page, name: string): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name }).click(),
  ]);
  expect(response).not.toBeNull();
  return response!;
}

async function signInForm(page: Page, username: string, password: string): Promise<Response> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  return click(page, 'Sign in');
}

async function alertText(page: Page): Promise<string> {
  return (await page.getByRole('alert').textContent())?.trim() ?? '';
}

async function seenByApp(page: Page): Promise<Seen> {
  return JSON.parse((await page.locator('body').innerText()).trim()) as Seen;
}

/**
 * The portal's sign-in page, to come back to `rd`. nginx writes rd as it is (it cannot
 * percent-encode), Gatehouse's own redirect encodes it: the browser reads both the same.
 */
function expectSignInPage(page: Page, rd: string): void {
  const url = new URL(page.url());
  expect([url.origin, url.pathname, url.searchParams.get('rd')]).toEqual([portal, '/signin', rd]);
}

/**
 * What Chromium reports as an error that is not one here: the status of a page the test asked
 * for (a 401 or 403 page is the answer expected), and Cross-Origin-Opener-Policy ignored on plain
 * http, which a deployment serves over https.
 */
const EXPECTED_NOTICES = [
  /^Failed to load resource: the server responded with a status of (401|403|429) /,
  /^The Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy\./,
];

/** Runs axe-core in the page, as it is served (its CSP in force), and expects no WCAG A/AA violation. */
async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(
    async (tags) => {
      const { axe: checker } = window as unknown as { axe: typeof axe };
      const result = await checker.run(document, { runOnly: { type: 'tag', values: tags } });
      return result.violations.map((violation) => ({
        rule: violation.id,
        impact: violation.impact,
        nodes: violation.nodes.map((node) => node.target.join(' ')),
      }));
    },
    [...WCAG_AA],
  );
  expect({ url: page.url(), violations }).toEqual({ url: page.url(), violations: [] });
}

describe.each(Object.keys(PROXIES) as (keyof typeof PROXIES)[])(
  'the portal in Chromium behind %s',
  (name) => {
    let proxy: RunningProxy;
    let context: BrowserContext;
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      proxy = await PROXIES[name]();
      context = await browser.newContext();
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        const text = message.text();
        if (message.type() !== 'error' || EXPECTED_NOTICES.some((notice) => notice.test(text)))
          return;
        pageErrors.push(`${page.url()}: ${text}`);
      });
    });

    afterAll(async () => {
      await context?.close();
      await proxy?.stop();
    });

    const sessionCookie = async () =>
      (await context.cookies(portal)).find((cookie) => cookie.name === 'gatehouse_session');

    it('sends a visit without a session to the sign-in page, refuses a wrong password, and signs in with password and code back to the app', async () => {
      const { user, secret } = await userWithTotp();
      const target = `${appOrigin}/orders/17?x=1`;

      const first = await page.goto(target);
      expect(first?.status()).toBe(200);
      expectSignInPage(page, target);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Sign in');
      await expectAccessible(page);

      const wrong = await signInForm(page, user.username, 'not-the-password');
      expect(wrong.status()).toBe(401);
      expect(await alertText(page)).toBe(WRONG_CREDENTIALS);
      expect(await page.getByLabel('Username').inputValue()).toBe(user.username);
      await expectAccessible(page);

      const password = await signInForm(page, user.username, PASSWORD);
      expect(password.status()).toBe(200);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Enter your code');
      await expectAccessible(page);
      expect(await sessionCookie()).toBeUndefined();

      await page.getByLabel('Code').fill(codeFor(secret));
      const back = await click(page, 'Continue');
      expect(back.status()).toBe(200);
      expect(page.url()).toBe(target);
      expect(await seenByApp(page)).toEqual({ path: '/orders/17?x=1', user: user.username });
      const cookie = await sessionCookie();
      expect(cookie).toMatchObject({ domain: `.${DOMAIN}`, httpOnly: true, sameSite: 'Lax' });
    });

    it('shows the account and the sign-out page, and signing out ends the session for every app', async () => {
      const before = await sessionCookie();
      expect(before).toBeDefined();

      await page.goto(`${portal}/account`);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Your account');
      await expectAccessible(page);

      await page.goto(`${portal}/signout`);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Sign out');
      await expectAccessible(page);
      const out = await click(page, 'Sign out');
      expect(out.status()).toBe(200);
      expect(page.url()).toBe(`${portal}/signin`);
      expect(await sessionCookie()).toBeUndefined();

      await page.goto(`${appOrigin}/reports`);
      expectSignInPage(page, `${appOrigin}/reports`);
      // The cookie a browser (or another app's tab) still held names an ended session.
      await context.addCookies([before!]);
      await page.goto(`${appOrigin}/reports`);
      expectSignInPage(page, `${appOrigin}/reports`);
      await context.clearCookies();
    });

    it('signs in with the keyboard alone, and sends an rd naming another host to the account page', async () => {
      const user = await createUser('flow-rd');
      await page.goto(`${portal}/signin?rd=${encodeURIComponent('http://evil.example.net/x')}`);
      // The page opens with the focus in the username field; Tab and Enter do the rest.
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('username');
      await page.keyboard.type(user.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(`${portal}/account`);
      expect(await page.getByText(user.username, { exact: true }).count()).toBe(1);
    });

    it('refuses a form without its token, or sent from another origin: 403', async () => {
      // Signed in from the test before.
      expect(await sessionCookie()).toBeDefined();
      await page.goto(`${portal}/signout`);
      const token = await page.locator('input[name="_csrf"]').getAttribute('value');
      await page.evaluate(() => document.querySelector('input[name="_csrf"]')!.remove());
      const tokenless = await click(page, 'Sign out');
      expect(tokenless.status()).toBe(403);
      expect(await alertText(page)).toContain(FORM_REFUSED);

      // The app's origin is of the same site (its cookies go along); the app's own port is another site.
      for (const origin of [appOrigin, `http://127.0.0.1:${appPort}`]) {
        const forge = new URL('/forge', origin);
        forge.searchParams.set('action', `${portal}/signout`);
        forge.searchParams.set('token', token!);
        await page.goto(forge.href);
        const forged = await click(page, 'Send');
        expect([origin, forged.status()]).toEqual([origin, 403]);
      }

      await page.goto(`${appOrigin}/still`);
      expect((await seenByApp(page)).user).toMatch(/^flow-rd-/);
      await context.clearCookies();
    });

    it('locks after five wrong passwords, and the page says when to try again', async () => {
      const user = await createUser('flow-lock');
      await page.goto(`${portal}/signin`);
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        const wrong = await signInForm(page, user.username, `wrong-password-${attempt}`);
        expect([attempt, wrong.status()]).toEqual([attempt, 401]);
      }
      const locked = await signInForm(page, user.username, PASSWORD);
      expect(locked.status()).toBe(429);
      const seconds = Number(await locked.headerValue('retry-after'));
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(await alertText(page)).toBe(`Too many attempts, try again in ${seconds} s.`);
      await expectAccessible(page);
      expect(await sessionCookie()).toBeUndefined();
    });

    it('turns two-step sign-in on from the account page with the key it shows, shows the recovery codes once, and the next sign-in asks for a code', async () => {
      await context.clearCookies();
      const user = await createUser('flow-enrol');
      await page.goto(`${portal}/signin?rd=${encodeURIComponent(`${portal}/account`)}`);
      await signInForm(page, user.username, PASSWORD);
      expect(page.url()).toBe(`${portal}/account`);

      await page.locator('#totp-password').fill(PASSWORD);
      const shown = await click(page, 'Set up two-step sign-in');
      expect(shown.status()).toBe(200);
      expect(
        await page.getByRole('img', { name: 'QR code of your two-step sign-in key' }).count(),
      ).toBe(1);
      const secret = ((await page.locator('#totp-secret').textContent()) ?? '').trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await expectAccessible(page);
      await page.getByLabel('Code from your app').fill(codeFor(secret));
      const on = await click(page, 'Turn on two-step sign-in');
      expect(on.status()).toBe(200);
      const recoveryCodes = await page.locator('ol.codes code').allTextContents();
      expect(recoveryCodes).toHaveLength(10);
      await expectAccessible(page);
      clock.advance(STEP_MS);

      // Shown once: the page does not show them again.
      await page.goto(`${portal}/account`);
      expect(await page.locator('ol.codes').count()).toBe(0);
      expect(await page.content()).not.toContain(recoveryCodes[0]);

      await context.clearCookies();
      await page.goto(`${portal}/signin`);
      const password = await signInForm(page, user.username, PASSWORD);
      expect(password.status()).toBe(200);
      await expect
        .poll(() => page.getByRole('heading', { level: 1 }).textContent())
        .toBe('Enter your code');
      await page.getByLabel('Code').fill(recoveryCodes[0]);
      await click(page, 'Continue');
      expect(page.url()).toBe(`${portal}/account`);
      expect(await sessionCookie()).toBeDefined();
      await context.clearCookies();
    });

    it('ran without a script error or a blocked resource', () => {
      expect(pageErrors).toEqual([]);
    });
  },
);

describe('screenshots of the portal', () => {
  it('writes the sign-in and account pages as PNGs, as npm run screenshots does', async () => {
    const user = await createUser('flow-shot');
    const directory = join(scratch, 'screenshots');
    const written = await screenshotPortal(browser, {
      // Gatehouse itself, by name: the portal cookie is for the domain, not an address.
      portal: `http://auth.${DOMAIN}:${gatehousePort}`,
      username: user.username,
      password: PASSWORD,
      directory,
    });
    expect(written).toEqual(PORTAL_SCREENSHOTS.map((file) => join(directory, file)));
    for (const file of written) {
      const png = readFileSync(file);
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      // IHDR: the width and height of the viewport.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([720, 560]);
    }
  });
});
