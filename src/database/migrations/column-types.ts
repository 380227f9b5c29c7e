import type { QueryRunner } from 'typeorm';

/** The column type of a point in time on this database: with time zone on PostgreSQL. */
export function timestampType(queryRunner: QueryRunner): string {
  return queryRunner.connection.driver.options.type === 'postgres' ? 'timestamptz' : 'datetime';
}
