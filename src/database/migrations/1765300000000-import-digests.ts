import { createHash } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users whose digest is written in one statement. */
const ROWS_PER_UPDATE = 500;

/**
 * What a user's last import stored, as digests (User.importedHashDigest, importedLineDigest), so
 * that an import run again leaves alone what happened since: a password the user set, an upgrade
 * to bcrypt at login. A hash that is not bcrypt can only have come from an import and is still
 * the one it stored, so it gets its digest here; a bcrypt hash may be the user's own, and gets
 * none, which an import reads as a hash it did not store.
 *
 * A plain ALTER TABLE on both databases: TypeORM's SQLite query runner would rebuild the table,
 * which drops the credential-epoch triggers on it (see migration CredentialEpoch).
 */
export class ImportDigests1765300000000 implements MigrationInterface {
  name = 'ImportDigests1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" ADD COLUMN "importedHashDigest" varchar(64)`);
    await queryRunner.query(`ALTER TABLE "user" ADD COLUMN "importedLineDigest" varchar(64)`);
    const imported: { id: number; passwordHash: string }[] = await queryRunner.query(
      `SELECT "id", "passwordHash" FROM "user" WHERE "passwordHash" NOT LIKE '$2%'`,
    );
    // Written into the statement, not bound: the ids are integers and the digests hex digits, and
    // the two drivers spell bound parameters differently.
    for (let start = 0; start < imported.length; start += ROWS_PER_UPDATE) {
      const rows = imported.slice(start, start + ROWS_PER_UPDATE);
      const cases = rows
        .map(({ id, passwordHash }) => `WHEN ${Number(id)} THEN '${sha256Hex(passwordHash)}'`)
        .join(' ');
      const ids = rows.map(({ id }) => Number(id)).join(', ');
      await queryRunner.query(
        `UPDATE "user" SET "importedHashDigest" = CASE "id" ${cases} END WHERE "id" IN (${ids})`,
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "importedLineDigest"`);
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "importedHashDigest"`);
  }
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
