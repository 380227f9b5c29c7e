/**
 * `npm run screenshots -- <directory>` (docs/images by default): builds and starts the server as
 * `npm start` does, on a database of its own in a temporary directory, registers a user, and has
 * Debian's Chromium write the sign-in page, the account page and its Passkeys section there as
 * PNGs, with the steps the browser test runs (test/support/portal-screenshots.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from '../test/support/chromium.js';
import { screenshotPortal } from '../test/support/portal-screenshots.js';

const USER = {
  username: 'ada',
  password: 'correct-horse-battery',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
};

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilReady(url: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited()) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`the server did not answer ${url}`);
}

async function main(): Promise<void> {
  const directory = resolve(process.argv[2] ?? join('docs', 'images'));
  const scratch = mkdtempSync(join(tmpdir(), 'gatehouse-screenshots-'));
  const port = await freePort();
  // A name, not an address: WebAuthn takes no IP address as relying party, and localhost is a
  // secure context, so the sign-in page shows its passkey button as it does for people.
  const portal = `http://localhost:${port}`;
  const server = spawn(resolve('bin', 'gatehouse-server'), [], {
    env: {
      ...process.env,
      PORT: String(port),
      PUBLIC_URL: portal,
      DATABASE_URL: `sqlite:${join(scratch, 'gatehouse.sqlite')}`,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((done) => server.once('exit', done));
  try {
    await waitUntilReady(`${portal}/health/ready`, () => server.exitCode !== null);
    const registered = await fetch(`${portal}/api/users`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(USER),
    });
    if (registered.status !== 201) throw new Error(`registration answered ${registered.status}`);
    const browser = await launchChromium();
    try {
      const written = await screenshotPortal(browser, { portal, ...USER, directory });
      for (const file of written) console.log(file);
    } finally {
      await browser.close();
    }
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
