import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from './migrations/index.js';

const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const SQLITE_PAGE_CACHE_KB = 2_048;

/**
 * The one description of the database, shared by the app, the CLI and TypeORM's own CLI for
 * writing migrations (ormconfig.ts). The entities come from the modules above (the app's modules
 * register theirs; `src/entities.ts` lists them all for the tools), so that this layer names none.
 * The schema comes only from migrations; synchronize stays off.
 */
export function dataSourceOptions(
  databaseUrl: string,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const database = databaseUrl.slice('sqlite:'.length);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database,
      enableWAL: database !== ':memory:',
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('foreign_keys = ON');
        db.pragma('synchronous = NORMAL');
        // better-sqlite3 builds SQLite with a 16 MB page cache; the checks read one row by key, so
        // the B-tree's inner pages (about 1 MB at a million users) are what is worth keeping
        // here, and the operating system's file cache serves the rest.
        db.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KB}`);
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: databaseUrl,
    // Bounded waits: a database that stops answering makes requests fail (503) instead of hang.
    extra: { max: 20, connectionTimeoutMillis: 5_000, query_timeout: 5_000, keepAlive: true },
  };
}
