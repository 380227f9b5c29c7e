import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The test files that run the compiled server or CLI in processes of their own: those that import
 * test/support/server-process.ts. They form a project whose global setup compiles the server once
 * per run (test/support/global-setup.ts); the other files test the app in-process and need no
 * build, so that running one of them alone compiles nothing.
 */
const serverProcessFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .map((file) => join('test', file))
  .filter((file) => file.endsWith('.e2e-spec.ts'))
  .filter((file) => readFileSync(file, 'utf8').includes('support/server-process.js'))
  .sort();

/**
 * Two test files per core: most of a file's time is spent waiting on the processes, sockets and
 * databases it drives, so Vitest's default (one worker fewer than the cores, a single one on a
 * two-core machine) leaves the machine half idle.
 */
const maxWorkers = 2 * availableParallelism();

export default defineConfig({
  test: {
    globals: true,
    root: './',
    maxWorkers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'in-process',
          include: ['src/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
          exclude: [...configDefaults.exclude, ...serverProcessFiles],
        },
      },
      {
        extends: true,
        test: {
          name: 'server-process',
          include: serverProcessFiles,
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
