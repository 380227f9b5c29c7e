import type { MigrationInterface, QueryRunner } from 'typeorm';
import { isPostgres, timestampType } from './column-types.js';

/**
 * When a signing key starts signing (`activatesAt`: a rotated-in key is published first) and when
 * it was withdrawn (`withdrawnAt`: an emergency rotation ends every token it signed). Existing keys
 * activate at their creation, so the newest keeps signing; a key inserted without the column (by
 * an instance not yet upgraded) takes the default and signs at once, as it did before.
 *
 * A withdrawal changes what an access-JWT check keeps, so it moves the credential epoch, by a
 * trigger of its own (see migration CredentialEpoch). Plain ALTER TABLE on both databases, so that
 * SQLite rebuilds no table.
 */
export class SigningKeyLifecycle1764810000000 implements MigrationInterface {
  name = 'SigningKeyLifecycle1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner);
    const timestamp = timestampType(queryRunner);
    const epochStart = postgres ? `'1970-01-01T00:00:00Z'` : `'1970-01-01 00:00:00.000'`;
    await queryRunner.query(
      `ALTER TABLE "signing_key" ADD COLUMN "activatesAt" ${timestamp} NOT NULL DEFAULT ${epochStart}`,
    );
    await queryRunner.query(`UPDATE "signing_key" SET "activatesAt" = "createdAt"`);
    await queryRunner.query(`ALTER TABLE "signing_key" ADD COLUMN "withdrawnAt" ${timestamp}`);
    const advance = `UPDATE "credential_epoch" SET "value" = "value" + 1`;
    for (const { name, events } of triggersOn(postgres))
      await queryRunner.query(
        `CREATE TRIGGER "${name}" AFTER ${events} ON "signing_key" ` +
          (postgres
            ? `FOR EACH STATEMENT EXECUTE FUNCTION "credential_epoch_advance"()`
            : `BEGIN ${advance}; END`),
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner);
    // SQLite drops a column only when no trigger names it.
    for (const { name } of triggersOn(postgres))
      await queryRunner.query(`DROP TRIGGER "${name}"${postgres ? ' ON "signing_key"' : ''}`);
    await queryRunner.query(`ALTER TABLE "signing_key" DROP COLUMN "withdrawnAt"`);
    await queryRunner.query(`ALTER TABLE "signing_key" DROP COLUMN "activatesAt"`);
  }
}

/** A withdrawal, or a key's removal: one statement trigger on PostgreSQL, one an event on SQLite. */
function triggersOn(postgres: boolean): { name: string; events: string }[] {
  return postgres
    ? [
        {
          name: 'credential_epoch_signing_key',
          events: 'UPDATE OF "withdrawnAt" OR DELETE OR TRUNCATE',
        },
      ]
    : [
        { name: 'credential_epoch_signing_key_0', events: 'UPDATE OF "withdrawnAt"' },
        { name: 'credential_epoch_signing_key_1', events: 'DELETE' },
      ];
}
