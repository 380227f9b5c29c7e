#!/usr/bin/env node
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module.js';
import { loadDotEnv } from './config/environment.js';

/** Exit codes: 0 done, 1 failed (one line says why), 2 called wrongly. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

/**
 * Administrative verbs (`gatehouse --help` lists them), run against the configured database. This
 * reads the command line alone; the verb that runs reads the configuration and boots what it needs.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const cli = await CommandFactory.createWithoutRunning(CliModule, {
    logger: false,
    serviceErrorHandler: (error) => {
      throw error;
    },
  });
  try {
    await CommandFactory.runApplication(cli);
  } finally {
    await cli.close();
  }
}

/**
 * commander's errors, a usage error a command reports included (`this.command.error`): it has
 * printed the message and the usage line already.
 */
function isCommanderError(error: unknown): error is { code: string; exitCode: number } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (isCommanderError(error)) process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    console.error((error as Error).message);
    process.exit(EXIT_FAILURE);
  },
);
