import axe from 'axe-core';
import type { Page, Response } from 'playwright-core';
import type { Seen } from './proxied-portal.js';

/** WCAG 2.0 and 2.1, levels A and AA, as axe-core tags its rules. */
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * What Chromium reports as an error that is not one here: the status of a page the test asked
 * for (a 401 or 403 page is the answer expected), and Cross-Origin-Opener-Policy ignored on plain
 * http, which a deployment serves over https.
 */
const EXPECTED_NOTICES = [
  /^Failed to load resource: the server responded with a status of (401|403|429) /,
  /^The Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy\./,
];

/**
 * Collects the page's script errors and the errors Chromium reports on its console (a script or
 * style the page's policy blocked among them), but those EXPECTED_NOTICES names: the list the
 * test expects empty at its end.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() !== 'error' || EXPECTED_NOTICES.some((notice) => notice.test(text))) return;
    errors.push(`${page.url()}: ${text}`);
  });
  return errors;
}

/**
 * Clicks the button named `name` (exactly: "Sign in" is not "Sign in with a passkey") and waits
 * for the page it leads to: the answer the browser ended on.
 */
export async function click(page: Page, name: string): Promise<Response> {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.getByRole('button', { name, exact: true }).click(),
  ]);
  expect(response).not.toBeNull();
  return response!;
}

/** The text of the page's one alert. */
export async function alertText(page: Page): Promise<string> {
  return (await page.getByRole('alert').textContent())?.trim() ?? '';
}

/** What the app behind the proxy saw, as its page shows it. */
export async function seenByApp(page: Page): Promise<Seen> {
  return JSON.parse((await page.locator('body').innerText()).trim()) as Seen;
}

/** Runs axe-core in the page, as it is served (its CSP in force), and expects no WCAG A/AA violation. */
export async function expectAccessible(page: Page): Promise<void> {
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
