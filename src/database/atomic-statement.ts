import { DataSource, type EntityManager } from 'typeorm';

export interface StatementResult {
  /** The rows a RETURNING clause gave back (none when nothing matched). */
  rows: Record<string, unknown>[];
  /** Rows the statement changed. */
  affected: number;
}

/**
 * Runs one statement written with TypeORM's `:name` parameters (Dates included) on either
 * database, and answers its RETURNING rows and affected count alike: a read-and-write the
 * database does as one step, for state that concurrent requests and instances change together.
 * Given a transaction's manager, the statement is part of that transaction.
 */
export async function runStatement(
  source: DataSource | EntityManager,
  sql: string,
  parameters: Record<string, unknown>,
): Promise<StatementResult> {
  const dataSource = source instanceof DataSource ? source : source.dataSource;
  const [query, values] = dataSource.driver.escapeQueryWithParameters(sql, parameters);
  const given = source instanceof DataSource ? undefined : source.queryRunner;
  const runner = given ?? dataSource.createQueryRunner();
  try {
    const result = await runner.query(query, values, true);
    const rows = Array.isArray(result.records) ? (result.records as Record<string, unknown>[]) : [];
    return { rows, affected: result.affected ?? rows.length };
  } finally {
    if (!given) await runner.release();
  }
}
