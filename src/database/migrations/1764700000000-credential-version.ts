import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres } from './column-types.js';

const TRIGGER = 'credential_epoch_user_version';

/**
 * The user's credential version (User.credentialVersion), which every access JWT carries: 0 for
 * every existing user, as a token issued before this migration, without the claim, counts as 0,
 * so those tokens stay valid until the user's next change. A change of the version changes what
 * an access-JWT check keeps, so it moves the credential epoch too, by a trigger of its own.
 *
 * A plain ALTER TABLE on both databases: TypeORM's SQLite query runner would rebuild the table,
 * which drops the credential-epoch triggers on it (see migration CredentialEpoch).
 */
export class CredentialVersion1764700000000 implements MigrationInterface {
  name = 'CredentialVersion1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "user" ADD COLUMN "credentialVersion" integer NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "${TRIGGER}" AFTER UPDATE OF "credentialVersion" ON "user" ` +
        (isPostgres(queryRunner)
          ? `FOR EACH STATEMENT EXECUTE FUNCTION "credential_epoch_advance"()`
          : `BEGIN UPDATE "credential_epoch" SET "value" = "value" + 1; END`),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // SQLite drops a column only when no trigger names it.
    await queryRunner.query(
      `DROP TRIGGER "${TRIGGER}"${isPostgres(queryRunner) ? ' ON "user"' : ''}`,
    );
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "credentialVersion"`);
  }
}
