import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';

/** The pages the guide shows, by the file each is written to. */
export const PORTAL_SCREENSHOTS = ['signin.png', 'account.png'] as const;

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
 * Opens the sign-in page and, signed in as the user, the account page, in a browser context of
 * its own (no cookie of another test shows), and writes each as a PNG: `npm run screenshots`
 * for the guide, and the browser test, which runs the same steps against its own server.
 */
export async function screenshotPortal(
  browser: Browser,
  { portal, username, password, directory }: ScreenshotRequest,
): Promise<string[]> {
  mkdirSync(directory, { recursive: true });
  const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
  try {
    const page = await context.newPage();
    const [signin, account] = PORTAL_SCREENSHOTS.map((name) => join(directory, name));
    await page.goto(`${portal}/signin`);
    await page.getByLabel('Username').fill(username);
    await page.screenshot({ path: signin });
    await page.getByLabel('Password').fill(password);
    await Promise.all([
      page.waitForURL(`${portal}/account`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.screenshot({ path: account });
    return [signin, account];
  } finally {
    await context.close();
  }
}
