import { defineConfig } from 'vitest/config';

/** The real-browser tests (`npm run test:browser`): they need Chromium, so `npm test` leaves them out. */
export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['test/browser/**/*.browser-spec.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
