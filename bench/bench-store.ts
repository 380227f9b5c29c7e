import Database from 'better-sqlite3';
import pg from 'pg';

/** The tables the benchmark seeds, reached with the database's own driver: bulk, not per HTTP call. */
export interface BenchStore {
  readonly kind: 'sqlite' | 'postgres';
  insertRows(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  queryOne<T>(sql: string): Promise<T>;
  close(): Promise<void>;
}

const BATCH_ROWS = 2_000;

export async function openStore(url: string): Promise<BenchStore> {
  return url.startsWith('postgres') ? openPostgres(url) : openSqlite(url.replace(/^sqlite:/, ''));
}

function openSqlite(path: string): BenchStore {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  return {
    kind: 'sqlite',
    async insertRows(table, columns, rows) {
      const insert = db.prepare(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      db.transaction(() => {
        for (const row of rows) insert.run(row.map(toSqliteValue));
      })();
    },
    async queryOne<T>(sql: string) {
      return db.prepare(sql).get() as T;
    },
    async close() {
      db.close();
    },
  };
}

/** TypeORM's SQLite datetime text (UTC, milliseconds) and 0/1 booleans. */
function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

async function openPostgres(url: string): Promise<BenchStore> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    kind: 'postgres',
    async insertRows(table, columns, rows) {
      for (let start = 0; start < rows.length; start += BATCH_ROWS) {
        const batch = rows.slice(start, start + BATCH_ROWS);
        const values: unknown[] = [];
        const tuples = batch.map((row) => {
          const placeholders = row.map((value) => `$${values.push(value)}`);
          return `(${placeholders.join(', ')})`;
        });
        await client.query(
          `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
          values,
        );
      }
    },
    async queryOne<T>(sql: string) {
      return (await client.query(sql)).rows[0] as T;
    },
    async close() {
      await client.end();
    },
  };
}
