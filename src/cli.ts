#!/usr/bin/env node
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module.js';
import { UsageError } from './cli/usage-error.js';
import { loadAppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/environment.js';

/** Exit codes: 0 done, 1 failed (one line says why), 2 called wrongly. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/** Administrative verbs (`gatehouse --help` lists them), run against the configured database. */
async function main(): Promise<void> {
  loadDotEnv();
  // A command runs once and ends: the purge schedule is the server's, never the command line's.
  const config = loadAppConfig({ ...process.env, PURGE_INTERVAL_SECONDS: '0' });
  const app = await CommandFactory.createWithoutRunning(CliModule.forRoot(config), {
    logger: false,
    serviceErrorHandler: (error) => {
      throw error;
    },
  });
  try {
    await CommandFactory.runApplication(app);
  } finally {
    await app.close();
  }
}

/** commander's own errors: it has printed the message already. */
function isCommanderError(error: unknown): error is { code: string; exitCode: number } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (isCommanderError(error)) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    console.error((error as Error).message);
    process.exit(error instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE);
  },
);
