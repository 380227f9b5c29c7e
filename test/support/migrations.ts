import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { entities } from '../../src/entities.js';
import { migrations } from '../../src/database/migrations/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface ScratchSchema {
  /** Brings a database of its own to the schema the first `count` migrations leave. */
  migratedTo(count: number): Promise<void>;
  query(text: string): Promise<Record<string, unknown>[]>;
  /** Whether `write` moves the credential epoch. */
  movesEpoch(write: string): Promise<boolean>;
  /** Runs the down() of the last migration run. */
  undoLast(): Promise<void>;
  close(): Promise<void>;
}

/** A scratch database to run the migrations on step by step, for a migration's own test. */
export async function scratchSchema(): Promise<ScratchSchema> {
  const database: TestDatabase = await createTestDatabase();
  let db: DataSource | null = null;
  const query = (text: string) => db!.query<Record<string, unknown>[]>(text);
  const epoch = async () =>
    Number((await query('SELECT "value" FROM "credential_epoch" WHERE "id" = 1'))[0].value);
  return {
    async migratedTo(count) {
      if (db?.isInitialized) await db.destroy();
      db = new DataSource({
        ...dataSourceOptions(database.url, entities),
        migrations: migrations.slice(0, count),
      });
      await db.initialize();
      await db.runMigrations({ transaction: 'each' });
    },
    query,
    async movesEpoch(write) {
      const before = await epoch();
      await query(write);
      return (await epoch()) > before;
    },
    async undoLast() {
      await db!.undoLastMigration({ transaction: 'each' });
    },
    async close() {
      if (db?.isInitialized) await db.destroy();
      await database.drop();
    },
  };
}
