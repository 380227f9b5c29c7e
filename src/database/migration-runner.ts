import type { DataSource } from 'typeorm';

/** An arbitrary constant naming Gatehouse's migration lock among PostgreSQL advisory locks. */
const MIGRATION_LOCK_KEY = 4_712_031_977;

/**
 * Runs pending migrations. On PostgreSQL it holds an advisory lock meanwhile, so that instances
 * starting together on an empty database apply the schema once and the others wait for it.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lockHolder
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await lockHolder.release();
  }
}
