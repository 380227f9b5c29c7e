import { defineConfig } from 'vitest/config';

/**
 * The examples of the README and the guides, each page run as a script against a fresh server, and
 * forward authentication behind a real nginx (`npm run test:system`): they need curl, jq, openssl,
 * nginx and caddy, so `npm test` leaves them out. The global setup compiles the server once for
 * the run, as for `npm test`'s tests that start it in a process of its own.
 */
export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['test/system/**/*.system-spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
