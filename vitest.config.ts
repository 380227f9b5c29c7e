import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** The files of `npm test`: unit specs beside the sources, and end-to-end specs under test/. */
const testFiles = [
  ...readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.spec.ts'))
    .map((file) => join('src', file)),
  ...readdirSync('test', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.e2e-spec.ts'))
    .map((file) => join('test', file)),
].sort();
const sourceOf = (file: string) => readFileSync(file, 'utf8');

/**
 * The test files that run the compiled server or CLI in processes of their own: those that import
 * test/support/server-process.ts. They form a project whose global setup compiles the server once
 * per run (test/support/global-setup.ts); the other files test the app in-process and need no
 * build, so that running one of them alone compiles nothing.
 */
const serverProcessFiles = testFiles.filter((file) =>
  sourceOf(file).includes('support/server-process.js'),
);

/**
 * The in-process files that need modules of their own: those that replace a module (`vi.mock`,
 * which takes effect only where the module is first imported), and those that read what a process
 * keeps across apps: the Prometheus registry's counters, and the session API's message numbers
 * (which the OpenAPI document's examples show). Every other in-process file keeps its state in the
 * apps it builds, and shares its worker's modules with the files before it, which saves each file
 * the seconds of importing the app again (about half of the in-process project's time).
 */
const PROCESS_STATE_READERS = [
  'test/client/openapi-client.e2e-spec.ts',
  'test/e2e/metrics.e2e-spec.ts',
];
const ownModuleFiles = testFiles.filter(
  (file) =>
    !serverProcessFiles.includes(file) &&
    (sourceOf(file).includes('vi.mock(') || PROCESS_STATE_READERS.includes(file)),
);

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
          exclude: [...configDefaults.exclude, ...serverProcessFiles, ...ownModuleFiles],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'in-process-own-modules',
          include: ownModuleFiles,
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
