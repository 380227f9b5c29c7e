import type { DataSource } from 'typeorm';

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
 */
export async function runStatement(
  dataSource: DataSource,
  sql: string,
  parameters: Record<string, unknown>,
): Promise<StatementResult> {
  const [query, values] = dataSource.driver.escapeQueryWithParameters(sql, parameters);
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(query, values, true);
    const rows = Array.isArray(result.records) ? (result.records as Record<string, unknown>[]) : [];
    return { rows, affected: result.affected ?? rows.length };
  } finally {
    await runner.release();
  }
}
