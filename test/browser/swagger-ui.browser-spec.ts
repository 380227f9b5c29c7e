import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor } from '../support/credentials.js';
import { launchChromium } from '../support/chromium.js';
import { registerUser } from '../support/fixtures.js';
import { freePort } from '../system/support/processes.js';

const SCREENSHOT = join(process.cwd(), 'test', 'browser', '__screenshots__', 'swagger-ui.png');
const ADMIN = { username: 'swagger-admin', password: 'swagger-admin-password-1' };

/** The operation block of Swagger UI for `method path`. */
function operation(page: Page, method: string, path: string): Locator {
  return page
    .locator(`.opblock.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

/** Opens the Authorize dialog, fills the scheme named `scheme` and authorizes it. */
async function authorize(
  page: Page,
  scheme: string,
  fill: (container: Locator) => Promise<void>,
): Promise<void> {
  await page.locator('.auth-wrapper > button.btn.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.waitFor();
  const container = dialog
    .locator('form')
    .filter({ has: page.locator('h4 code', { hasText: new RegExp(`^${scheme}$`) }) });
  await fill(container);
  await container.getByRole('button', { name: 'Apply credentials' }).click();
  await container.getByRole('button', { name: 'Remove authorization' }).waitFor();
  await container.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Logs the scheme named `scheme` out in the Authorize dialog, as a person switching users would. */
async function removeAuthorization(page: Page, scheme: string): Promise<void> {
  await page.locator('.auth-wrapper > button.btn.authorize').click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  const container = dialog
    .locator('form')
    .filter({ has: page.locator('h4 code', { hasText: new RegExp(`^${scheme}$`) }) });
  await container.getByRole('button', { name: 'Remove authorization' }).click();
  await container.getByRole('button', { name: 'Apply credentials' }).waitFor();
  await container.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Expands an operation, runs it with "Try it out" and "Execute", and returns its live response. */
async function tryItOut(page: Page, method: string, path: string): Promise<Locator> {
  const block = operation(page, method, path);
  await block.locator('.opblock-summary-control').click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  const response = block.locator('.live-responses-table .response');
  await response.waitFor();
  return response;
}

describe('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // No PUBLIC_URL: the page is opened by IP, not at the default http://localhost:<PORT>, and
    // Try it out must call the origin that served it.
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    await t.app.listen(port, '127.0.0.1');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${origin}/docs`);
    await page.locator('.auth-wrapper > button.btn.authorize').waitFor();
  });

  afterAll(async () => {
    if (page) {
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`Swagger UI screenshot: ${SCREENSHOT}`);
    }
    await browser?.close();
    await t?.close();
  });

  it('authorizes Basic credentials in the dialog and says hello on GET /api/resource', async () => {
    const user = await registerUser(t, 'swagger-hawk', 'correct-horse');

    await authorize(page, 'basic', async (container) => {
      await container.locator('input[aria-label="auth-basic-username"]').fill(user.username);
      await container.locator('input[aria-label="auth-basic-password"]').fill(user.password);
    });
    const response = await tryItOut(page, 'GET', '/api/resource');

    await expectResponse(response, 200, `"data": "Hello, ${user.username}!"`);
  });

  it('authorizes an access JWT as Bearer and reads its privilege', async () => {
    await registerUser(t, 'swagger-kite', 'correct-horse');
    const login = await t
      .http()
      .post('/v1/auth')
      .send({ username: 'swagger-kite', password: 'correct-horse' })
      .expect(200);

    await authorize(page, 'jwt', async (container) => {
      await container
        .locator('input[aria-label="auth-bearer-value"]')
        .fill(login.body.access_token);
    });
    const response = await tryItOut(page, 'GET', '/api/v1/security/privilegeToken');

    await expectResponse(response, 200, '"privilege": "user"');
  });

  it('opened by IP, authorizes an admin JWT and lists users, sending no filter nobody typed', async () => {
    await registerUser(t, 'swagger-lark', 'correct-horse');
    const jwt = await accessTokenFor(t, ADMIN);
    await removeAuthorization(page, 'jwt');

    await authorize(page, 'jwt', async (container) => {
      await container.locator('input[aria-label="auth-bearer-value"]').fill(jwt);
    });
    const response = await tryItOut(page, 'GET', '/api/admin/users');

    await expectResponse(response, 200, '"username": "swagger-lark"');
    const block = operation(page, 'GET', '/api/admin/users');
    // Only the defaults the server takes anyway are filled in: no q, privilege or enabled.
    await expect
      .poll(() => block.locator('.request-url pre').first().textContent())
      .toBe(`${origin}/api/admin/users?limit=50&offset=0`);
  });

  it('ran without a script error or a blocked resource', () => {
    expect(pageErrors).toEqual([]);
  });
});

/** Waits for the server response Swagger UI shows under an operation: its status and body. */
async function expectResponse(response: Locator, status: number, body: string): Promise<void> {
  await expect
    .poll(() => response.locator('.response-col_status').first().textContent())
    .toContain(String(status));
  await expect
    .poll(() => response.locator('.response-col_description .microlight').first().textContent())
    .toContain(body);
}
