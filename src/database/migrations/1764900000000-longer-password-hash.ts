import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './column-types.js';

/**
 * Room for imported password hashes (the former services' formats): a Werkzeug scrypt hash is 128
 * hex digits after its parameters and salt, a pbkdf2 one can pass 100 characters, and the import
 * takes up to 255. PostgreSQL enforces a varchar's length, so the column grows there; SQLite never
 * does, and its table is left alone (a rebuild would drop the credential-epoch triggers on it).
 */
export class LongerPasswordHash1764900000000 implements MigrationInterface {
  name = 'LongerPasswordHash1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (!isPostgres(queryRunner)) return;
    await queryRunner.query(`ALTER TABLE "user" ALTER COLUMN "passwordHash" TYPE varchar(255)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (!isPostgres(queryRunner)) return;
    // A hash longer than the old column cannot stay: such users sign in again after a reset.
    await queryRunner.query(
      `UPDATE "user" SET "passwordHash" = '!' WHERE length("passwordHash") > 100`,
    );
    await queryRunner.query(`ALTER TABLE "user" ALTER COLUMN "passwordHash" TYPE varchar(100)`);
  }
}
