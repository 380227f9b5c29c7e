import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchChromium } from '../support/chromium.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { enrolTotp } from '../support/credentials.js';
import { registerUser, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  alertText,
  click,
  expectAccessible,
  seenByApp,
  watchPageErrors,
} from '../support/pages.js';
import { PORTAL_SCREENSHOTS, screenshotPortal } from '../support/portal-screenshots.js';
import {
  appOriginOf,
  portalOrigin,
  type ProxySetup,
  type RunningProxy,
  startCaddy,
  startEchoApp,
  startNginx,
} from '../support/proxied-portal.js';
import { freePort } from '../system/support/processes.js';

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
const WRONG_CREDENTIALS = 'The username or password is not right.';
const FORM_REFUSED = 'This form had expired or came from another site';

let scratch: string;
let t: TestApp;
let clock: TestClock;
let app: Server;
let setup: ProxySetup;
let gatehousePort: number;
let browser: Browser;
/** PUBLIC_URL: the portal as the browser reaches it, through the proxy. */
let portal: string;
/** The app as the browser reaches it, through the proxy. */
let appOrigin: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'gatehouse-flows-'));
  const proxyPort = await freePort();
  gatehousePort = await freePort();
  app = await startEchoApp();
  const appPort = (app.address() as { port: number }).port;
  setup = { domain: DOMAIN, proxyPort, gatehousePort, appPort, scratch };
  portal = portalOrigin(setup);
  appOrigin = appOriginOf(setup);
  t = await startTestApp({
    PUBLIC_URL: portal,
    COOKIE_DOMAIN: DOMAIN,
    TRUST_PROXY: '127.0.0.1',
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  await t.app.listen(gatehousePort, '127.0.0.1');
  clock = controlClock(t);
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

async function signInForm(page: Page, username: string, password: string): Promise<Response> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  return click(page, 'Sign in');
}

/**
 * The portal's sign-in page, to come back to `rd`. nginx writes rd as it is (it cannot
 * percent-encode), Gatehouse's own redirect encodes it: the browser reads both the same.
 */
function expectSignInPage(page: Page, rd: string): void {
  const url = new URL(page.url());
  expect([url.origin, url.pathname, url.searchParams.get('rd')]).toEqual([portal, '/signin', rd]);
}

describe.each(Object.keys(PROXIES) as (keyof typeof PROXIES)[])(
  'the portal in Chromium behind %s',
  (name) => {
    let proxy: RunningProxy;
    let context: BrowserContext;
    let page: Page;
    let pageErrors: string[] = [];

    beforeAll(async () => {
      proxy = await PROXIES[name](setup);
      context = await browser.newContext();
      page = await context.newPage();
      pageErrors = watchPageErrors(page);
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
      for (const origin of [appOrigin, `http://127.0.0.1:${setup.appPort}`]) {
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
