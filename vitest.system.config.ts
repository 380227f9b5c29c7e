import { defineConfig } from 'vitest/config';

/**
 * The README's examples run as a script against a fresh server, and forward authentication behind
 * a real nginx (`npm run test:system`): they need curl, jq, openssl and nginx, so `npm test` leaves
 * them out.
 */
export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['test/system/**/*.system-spec.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
