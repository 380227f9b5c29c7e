import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchChromium } from '../support/chromium.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { enrolTotp } from '../support/credentials.js';
import { registerUser, sql, uniqueName, type TestUser } from '../support/fixtures.js';
import {
  alertText,
  click,
  expectAccessible,
  seenByApp,
  watchPageErrors,
} from '../support/pages.js';
import {
  appOriginOf,
  portalOrigin,
  type ProxySetup,
  type RunningProxy,
  startEchoApp,
  startNginx,
} from '../support/proxied-portal.js';
import { freePort } from '../system/support/processes.js';

/**
 * Passkeys in a real browser: Chromium with a virtual authenticator of the DevTools protocol's
 * WebAuthn domain (CTAP2, internal transport, resident keys, user verification), so the page's
 * own script and @simplewebauthn/browser make and use the passkey as they would with a phone or
 * a laptop's. Behind nginx on names as the portal's flows run (auth.gatehouse.test for
 * Gatehouse, app.gatehouse.test for the app behind forward auth), where Chromium takes the
 * portal's http origin as a secure context by --unsafely-treat-insecure-origin-as-secure, as it
 * would take https; and on http://localhost, a secure context as it is.
 */

const DOMAIN = 'gatehouse.test';
const PASSWORD = 'correct-horse-battery';
const STEP_MS = 30_000;
const PASSKEY_REFUSED =
  'That passkey was not accepted. Please try again, or sign in with your password.';

let browser: Browser;
let proxyPort: number;
let gatehousePort: number;
/** The portal behind nginx, by name: PUBLIC_URL there. */
let portal: string;

/** The authenticator of a platform passkey: the laptop's, with its screen lock passed. */
const PLATFORM_AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
} as const;

/** A page of its own browser context, with a virtual authenticator in it: its id. */
interface AuthenticatorPage {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string;
  errors: string[];
}

/** A security key that cannot verify its user: passkeys, which need that, are refused by it. */
const KEY_WITHOUT_VERIFICATION = {
  ...PLATFORM_AUTHENTICATOR,
  hasUserVerification: false,
  isUserVerified: false,
} as const;

async function pageWithAuthenticator(
  options: typeof PLATFORM_AUTHENTICATOR | typeof KEY_WITHOUT_VERIFICATION = PLATFORM_AUTHENTICATOR,
): Promise<AuthenticatorPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options });
  return { context, page, cdp, authenticatorId, errors };
}

async function credentialsOf({ cdp, authenticatorId }: AuthenticatorPage) {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

/** Presses the page's passkey button once the script has shown it: the page it leads to. */
async function usePasskey(page: Page, name: string) {
  const button = page.getByRole('button', { name, exact: true });
  await button.waitFor({ state: 'visible' });
  return click(page, name);
}

async function heading(page: Page): Promise<string> {
  return ((await page.getByRole('heading', { level: 1 }).textContent()) ?? '').trim();
}

/** The names the account page lists under Passkeys. */
async function passkeyNames(page: Page): Promise<string[]> {
  return page.locator('ul.passkeys li strong').allTextContents();
}

/**
 * From the account page: the proof asked (`proof` fills its fields by label), then the page that
 * makes the passkey, where the script runs; back on the account page once it is added.
 */
async function addPasskeyOnAccountPage(
  page: Page,
  name: string,
  proof: Record<string, string>,
): Promise<void> {
  const section = page.getByRole('region', { name: 'Passkeys' });
  for (const [label, value] of Object.entries(proof)) {
    await section.getByLabel(label, { exact: true }).fill(value);
  }
  const options = await click(page, 'Add a passkey');
  expect(options.status()).toBe(200);
  expect(await heading(page)).toBe('Add a passkey');
  await page.getByRole('button', { name: 'Create the passkey' }).waitFor({ state: 'visible' });
  await expectAccessible(page);
  await page.getByLabel('Name of the passkey').fill(name);
  const added = await click(page, 'Create the passkey');
  expect(added.status()).toBe(200);
  expect(new URL(page.url()).search).toBe('?done=passkey-added');
  expect(await page.getByRole('status').textContent()).toContain('Your passkey was added');
}

async function lastLogin(user: TestUser, t: TestApp): Promise<Record<string, unknown>> {
  const [row] = await sql(
    t,
    'SELECT "outcome", "api", "detail" FROM "audit_event" WHERE "userId" = $1 AND "type" = $2 ORDER BY "id" DESC LIMIT 1',
    [user.id, 'login'],
  );
  return { ...row, detail: JSON.parse(row.detail as string) as unknown };
}

beforeAll(async () => {
  proxyPort = await freePort();
  gatehousePort = await freePort();
  portal = portalOrigin({ domain: DOMAIN, proxyPort });
  // WebAuthn wants a secure context: https, localhost, or an origin Chromium is told to trust.
  browser = await launchChromium([
    `--host-resolver-rules=MAP *.${DOMAIN} 127.0.0.1`,
    `--unsafely-treat-insecure-origin-as-secure=${portal}`,
  ]);
});

afterAll(async () => {
  await browser?.close();
});

describe('passkeys in Chromium behind nginx, on names', () => {
  let scratch: string;
  let t: TestApp;
  let clock: TestClock;
  let app: Server;
  let proxy: RunningProxy;
  let appOrigin: string;
  let user: TestUser;
  let secret: string;
  let laptop: AuthenticatorPage;

  const codeFor = (key: string) =>
    generateSync({ secret: key, epoch: Math.floor(clock.nowMs() / 1000) });

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'gatehouse-passkeys-'));
    app = await startEchoApp();
    const setup: ProxySetup = {
      domain: DOMAIN,
      proxyPort,
      gatehousePort,
      appPort: (app.address() as { port: number }).port,
      scratch,
    };
    appOrigin = appOriginOf(setup);
    t = await startTestApp({
      PUBLIC_URL: portal,
      COOKIE_DOMAIN: DOMAIN,
      TRUST_PROXY: '127.0.0.1',
      TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    await t.app.listen(gatehousePort, '127.0.0.1');
    clock = controlClock(t);
    proxy = await startNginx(setup);
    user = await registerUser(t, uniqueName('passkey-flow'), PASSWORD);
    ({ secret } = await enrolTotp(t, user, codeFor));
    clock.advance(STEP_MS);
  });

  afterAll(async () => {
    await proxy?.stop();
    await new Promise((closed) => (app ? app.close(closed) : closed(undefined)));
    clock?.restore();
    await t?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('signs in with a password and a code, offering a passkey on both pages, and adds a passkey on the account page', async () => {
    laptop = await pageWithAuthenticator();
    const { page } = laptop;
    await page.goto(`${appOrigin}/orders`);
    expect(new URL(page.url()).origin).toBe(portal);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    // Shown by the script, once it found WebAuthn: the page serves it hidden.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    await expectAccessible(page);

    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await click(page, 'Sign in');
    expect(await heading(page)).toBe('Enter your code');
    await page.getByRole('button', { name: 'Use a passkey instead' }).waitFor();
    await expectAccessible(page);
    await page.getByLabel('Code').fill(codeFor(secret));
    await click(page, 'Continue');
    expect(await seenByApp(page)).toEqual({ path: '/orders', user: user.username });
    clock.advance(STEP_MS);

    await page.goto(`${portal}/account`);
    expect(await passkeyNames(page)).toEqual([]);
    await addPasskeyOnAccountPage(page, 'Laptop', {
      'Current password': PASSWORD,
      Code: codeFor(secret),
    });
    expect(await passkeyNames(page)).toEqual(['Laptop']);
    await expectAccessible(page);

    const [credential] = await credentialsOf(laptop);
    expect(credential).toMatchObject({ rpId: `auth.${DOMAIN}`, isResidentCredential: true });
  });

  it('signs out, then signs in with the passkey alone, nothing typed, back to the app behind nginx', async () => {
    const { page } = laptop;
    await page.goto(`${portal}/signout`);
    await click(page, 'Sign out');
    await page.goto(`${appOrigin}/reports?week=3`);
    expect(new URL(page.url()).pathname).toBe('/signin');

    const back = await usePasskey(page, 'Sign in with a passkey');
    expect(back.status()).toBe(200);
    expect(page.url()).toBe(`${appOrigin}/reports?week=3`);
    expect(await seenByApp(page)).toEqual({ path: '/reports?week=3', user: user.username });
    expect(await lastLogin(user, t)).toMatchObject({
      outcome: 'success',
      api: 'portal',
      detail: { method: 'passkey' },
    });

    // A moment after a passkey sign-in, adding another asks for no password.
    await page.goto(`${portal}/account`);
    expect(await page.getByText('You signed in with a passkey a moment ago').count()).toBe(1);
    expect(await page.locator('#passkey-password').count()).toBe(0);
    await expectAccessible(page);
  });

  it('refuses the passkey copied into a second authenticator with a lower signature counter, and audits it', async () => {
    const [original] = await credentialsOf(laptop);
    expect(original.signCount).toBeGreaterThan(1);
    const clone = await pageWithAuthenticator();
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...original, signCount: 0 },
    });
    await clone.page.goto(`${portal}/signin`);
    const refused = await usePasskey(clone.page, 'Sign in with a passkey');
    expect(refused.status()).toBe(401);
    expect(await alertText(clone.page)).toBe(PASSKEY_REFUSED);
    await expectAccessible(clone.page);
    expect(await clone.context.cookies(portal)).not.toContainEqual(
      expect.objectContaining({ name: 'gatehouse_session' }),
    );
    expect(await lastLogin(user, t)).toMatchObject({
      outcome: 'failure',
      api: 'portal',
      detail: { method: 'passkey', reason: 'passkey-counter', name: 'Laptop' },
    });
    expect(clone.errors).toEqual([]);
    await clone.context.close();
  });

  it('removes the passkey on the account page, and then the passkey signs no one in', async () => {
    const { page } = laptop;
    await page.goto(`${portal}/account`);
    const removed = await click(page, 'Remove');
    expect(removed.status()).toBe(200);
    expect(new URL(page.url()).search).toBe('?done=passkey-removed');
    expect(await passkeyNames(page)).toEqual([]);

    await page.goto(`${portal}/signout`);
    await click(page, 'Sign out');
    await page.goto(`${appOrigin}/reports`);
    // The authenticator still holds it; Gatehouse no longer knows it.
    expect(await credentialsOf(laptop)).toHaveLength(1);
    const refused = await usePasskey(page, 'Sign in with a passkey');
    expect(refused.status()).toBe(401);
    expect(await alertText(page)).toBe(PASSKEY_REFUSED);
    await page.goto(`${appOrigin}/reports`);
    expect(new URL(page.url()).pathname).toBe('/signin');
  });

  it('ran without a script error or a blocked resource', async () => {
    expect(laptop.errors).toEqual([]);
    await laptop.context.close();
  });
});

describe('passkeys in Chromium on http://localhost', () => {
  let t: TestApp;
  let origin: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    t = await startTestApp({ PUBLIC_URL: origin });
    await t.app.listen(port, '127.0.0.1');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('adds a passkey on the account page, signs out, and signs in with it alone', async () => {
    const user = await registerUser(t, uniqueName('passkey-local'), PASSWORD);
    const laptop = await pageWithAuthenticator();
    const { page } = laptop;
    await page.goto(`${origin}/signin`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await click(page, 'Sign in');
    expect(page.url()).toBe(`${origin}/account`);
    await addPasskeyOnAccountPage(page, 'Laptop', { 'Current password': PASSWORD });
    expect(await passkeyNames(page)).toEqual(['Laptop']);
    expect(await credentialsOf(laptop)).toMatchObject([{ rpId: 'localhost' }]);

    await page.goto(`${origin}/signout`);
    await click(page, 'Sign out');
    await usePasskey(page, 'Sign in with a passkey');
    expect(page.url()).toBe(`${origin}/account`);
    expect(await page.getByText(user.username, { exact: true }).count()).toBe(1);
    expect(laptop.errors).toEqual([]);
    await laptop.context.close();
  });

  it('says so on the page when the browser makes or uses no passkey, and sends nothing', async () => {
    const user = await registerUser(t, uniqueName('passkey-refusing'), PASSWORD);
    const key = await pageWithAuthenticator(KEY_WITHOUT_VERIFICATION);
    const { page } = key;
    await page.goto(`${origin}/signin`);
    const refused = page.getByRole('alert');
    await page.getByRole('button', { name: 'Sign in with a passkey', exact: true }).click();
    await refused.waitFor();
    expect(await refused.textContent()).toBe(
      'No passkey was used. You can try again, or sign in with your password instead.',
    );
    expect(page.url()).toBe(`${origin}/signin`);
    await expectAccessible(page);

    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await click(page, 'Sign in');
    await page.locator('#passkey-password').fill(PASSWORD);
    await click(page, 'Add a passkey');
    await page.getByLabel('Name of the passkey').fill('Old key');
    await page.getByRole('button', { name: 'Create the passkey', exact: true }).click();
    await refused.waitFor();
    expect(await refused.textContent()).toBe('No passkey was made. You can try again.');
    await expectAccessible(page);
    await page.goto(`${origin}/account`);
    expect(await passkeyNames(page)).toEqual([]);
    expect(key.errors).toEqual([]);
    await key.context.close();
  });
});
