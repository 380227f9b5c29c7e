import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-errors.js';
import { StartupError } from '../common/errors/startup-error.js';

/** Attempts to reach the database at start, a second apart: a database starting beside us. */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;

/**
 * DATABASE_URL as the log and error messages show it: an SQLite file by its absolute path, a
 * PostgreSQL server without its password or query string (either may hold a secret).
 */
export function describeDatabase(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return file === ':memory:' ? databaseUrl : `sqlite:${resolve(file)}`;
  }
  try {
    const url = new URL(databaseUrl);
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}

/** Why the database DATABASE_URL names cannot be used, in one line that names the setting. */
export function databaseStartError(databaseUrl: string, error: unknown): StartupError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StartupError(
    `Cannot open the database at DATABASE_URL=${describeDatabase(databaseUrl)}: ${reason}`,
  );
}

/**
 * Connects to the database, trying again while it is out of reach (a server still starting),
 * each time with a warning line; a database that refuses us (no such database, a wrong password,
 * a file that cannot be opened) fails at once. Either failure is a StartupError.
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const databaseUrl = urlOf(options);
  const logger = new Logger('Database');
  for (let attempt = 1; ; attempt++) {
    try {
      return await new DataSource(options).initialize();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isDatabaseUnavailable(error)) {
        throw databaseStartError(databaseUrl, error);
      }
      logger.warn(
        `The database (${describeDatabase(databaseUrl)}) is out of reach: ${(error as Error).message}; trying again in ${RETRY_DELAY_MS / 1000} s (attempt ${attempt + 1} of ${ATTEMPTS})`,
      );
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
  }
}

/** The DATABASE_URL that dataSourceOptions made these options of. */
function urlOf(options: DataSourceOptions): string {
  return options.type === 'postgres' ? (options.url ?? '') : `sqlite:${String(options.database)}`;
}
