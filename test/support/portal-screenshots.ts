import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** The pages the guide shows, by the file each is written to. */
export const PORTAL_SCREENSHOTS = ['signin.png', 'account.png', 'passkeys.png'] as const;

export interface ScreenshotRequest {
  /** The portal's origin as the browser reaches it (PUBLIC_URL). */
  portal: string;
  /** A user without a second factor, whose account page is shown. */
  username: string;
  password: string;
  /** Where the PNGs go; made when missing. */
  directory: string;
}

/**
 * Opens the sign-in page and, signed in as the user, the account page from its top and from its
 * Passkeys section, in a browser context of its own (no cookie of another test shows), and writes
 * each as a PNG: `npm run screenshots` for the guide, and the browser test, which runs the same
 * steps against its own server. Where the browser takes the portal's origin as a secure context
 * (https, localhost), as it does for people, the passkey buttons show, and the Passkeys section
 * lists one the user adds first with a virtual authenticator (DevTools' WebAuthn domain).
 */
export async function screenshotPortal(
  browser: Browser,
  { portal, username, password, directory }: ScreenshotRequest,
): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
  try {
    const page = await context.newPage();
    const [signin, account, passkeys] = PORTAL_SCREENSHOTS.map((name) => join(directory, name));
    await page.goto(`${portal}/signin`);
    await page.getByLabel('Username').fill(username);
    await page.screenshot({ path: signin });
    await page.getByLabel('Password').fill(password);
    await Promise.all([
      page.waitForURL(`${portal}/account`),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.screenshot({ path: account });
    if (await page.evaluate(() => window.isSecureContext)) {
      await addPasskey(context, page, password);
    }
    await page.evaluate(() => document.getElementById('passkeys-heading')!.scrollIntoView());
    await page.screenshot({ path: passkeys });
    return [signin, account, passkeys];
  } finally {
    await context.close();
  }
}

/** Adds a passkey named "Laptop" on the account page, made by a platform authenticator. */
async function addPasskey(context: BrowserContext, page: Page, password: string): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  await page.locator('#passkey-password').fill(password);
  await Promise.all([
    page.waitForURL(/\/account\/passkeys\/options$/),
    page.getByRole('button', { name: 'Add a passkey', exact: true }).click(),
  ]);
  await page.getByLabel('Name of the passkey').fill('Laptop');
  await Promise.all([
    page.waitForURL(/\/account\?done=passkey-added$/),
    page.getByRole('button', { name: 'Create the passkey', exact: true }).click(),
  ]);
}
