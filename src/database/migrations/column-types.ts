import type { QueryRunner } from 'typeorm';

/** Whether the migration runs on PostgreSQL (otherwise SQLite). */
export function isPostgres(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'postgres';
}

/** The column type of a point in time on this database: with time zone on PostgreSQL. */
export function timestampType(queryRunner: QueryRunner): string {
  return isPostgres(queryRunner) ? 'timestamptz' : 'datetime';
}
