import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'pg';
import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';

/** A row as the driver returns it without naming each value: an array, in select-list order. */
export type Row = unknown[];

/**
 * A read on the hot path of the token and session checks, as one fixed SQL text with bound
 * parameters, prepared once: a better-sqlite3 statement, or a named PostgreSQL statement that each
 * pooled connection prepares on first use. TypeORM's find methods build their SQL anew on every
 * call and write numeric ids into it, so SQLite prepared a new statement each time (about 130 µs
 * a lookup here, against about 3 µs now). Entities come back through TypeORM's own conversion of
 * each column, so they are the same as a find would return. Rows come back as arrays (an object
 * per row, with a long key per column, cost as much again as the query).
 *
 * The SQL is written with `?` placeholders and `${columns(Entity, 'alias')}` select lists, or
 * `${columns(Entity, 'alias', ['property', …])}` for only some columns, when the entity read is
 * only for a check (hydrating every column of a user is a third of a token check's read).
 */
export class PreparedRead {
  private readonly sql: string;
  private readonly name: string;
  private statement: Statement | null = null;
  /** Where each result column is in a row, known once the statement has been prepared or run. */
  private positions: Map<string, number> | null = null;
  /** For each alias: its entity and, for each column selected, the name it comes back under. */
  private readonly selected = new Map<
    string,
    { metadata: EntityMetadata; columns: [ColumnMetadata, string][] }
  >();

  constructor(
    private readonly dataSource: DataSource,
    sql: (
      columns: (
        entity: EntityTarget<ObjectLiteral>,
        alias: string,
        properties?: string[],
      ) => string,
    ) => string,
  ) {
    const text = sql((entity, alias, properties) => this.selectList(entity, alias, properties));
    this.sql = dataSource.options.type === 'postgres' ? numberedPlaceholders(text) : text;
    this.name = `gatehouse_${createHash('sha256').update(this.sql).digest('hex').slice(0, 16)}`;
  }

  async rows(parameters: unknown[]): Promise<Row[]> {
    if (this.dataSource.options.type === 'postgres') {
      const result = await postgresPool(this.dataSource).query<Row>({
        name: this.name,
        text: this.sql,
        values: parameters,
        rowMode: 'array',
      });
      this.positions ??= new Map(result.fields.map(({ name }, index) => [name, index]));
      return result.rows;
    }
    if (!this.statement) {
      const statement = (await sqliteConnection(this.dataSource)).prepare(this.sql).raw(true);
      this.positions = new Map(statement.columns().map(({ name }, index) => [name, index]));
      this.statement = statement;
    }
    return this.statement.all(...parameters) as Row[];
  }

  /** The value of a column the SQL computed, such as a flag. */
  value(row: Row, name: string): unknown {
    return row[this.positions!.get(name)!];
  }

  /** The entity whose columns the row holds under `alias` (only those that were selected). */
  entity<T extends ObjectLiteral>(target: EntityTarget<T>, alias: string, row: Row): T {
    const { metadata, columns } = this.selected.get(alias)!;
    if (metadata.target !== target)
      throw new Error(`"${alias}" holds ${metadata.name}, not the entity asked for`);
    const entity = metadata.create() as T;
    for (const [column, name] of columns) {
      const value = this.value(row, name);
      column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(value, column));
    }
    return entity;
  }

  private selectList(
    target: EntityTarget<ObjectLiteral>,
    alias: string,
    properties?: string[],
  ): string {
    const metadata = this.dataSource.getMetadata(target);
    const columns = properties
      ? metadata.columns.filter(({ propertyName }) => properties.includes(propertyName))
      : metadata.columns;
    const named = columns.map((column): [ColumnMetadata, string] => [
      column,
      `${alias}.${column.databaseName}`,
    ]);
    this.selected.set(alias, { metadata, columns: named });
    return named
      .map(([{ databaseName }, name]) => `"${alias}"."${databaseName}" AS "${name}"`)
      .join(', ');
  }
}

/**
 * The pool TypeORM's PostgreSQL driver draws every connection from, as its `master`. A query on
 * the pool itself is pg's own: a connection whose query failed is dropped rather than reused,
 * and it costs about 4 µs less a read than a query runner taken and released for it. A test holds
 * it to being that pool.
 */
export function postgresPool(dataSource: DataSource): Pool {
  return (dataSource.driver as PostgresDriver).master as Pool;
}

/**
 * better-sqlite3's connection, as a query runner hands it over: on SQLite there is one, the
 * driver's, open for as long as the data source is.
 */
export async function sqliteConnection(dataSource: DataSource): Promise<Database> {
  return (await dataSource.createQueryRunner().connect()) as Database;
}

/** A boolean the SQL computed: PostgreSQL answers true/false, SQLite 1/0. */
export function sqlBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

/** PostgreSQL numbers its placeholders; the texts here never hold a literal `?`. */
function numberedPlaceholders(sql: string): string {
  let position = 0;
  return sql.replace(/\?/g, () => `$${++position}`);
}
