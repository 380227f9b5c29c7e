import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEpochTriggers, dropEpochTriggers } from '../credential-epoch-triggers.js';
import { isPostgres, timestampType } from './column-types.js';

/**
 * When a signing key starts signing (`activatesAt`: a rotated-in key is published first) and when
 * it was withdrawn (`withdrawnAt`: an emergency rotation ends every token it signed). Existing keys
 * activate at their creation, so the newest keeps signing; a key inserted without the column (by
 * an instance not yet upgraded) takes the default and signs at once, as it did before.
 *
 * A withdrawal changes what an access-JWT check keeps, so it moves the credential epoch, by a
 * trigger of its own (credential-epoch-triggers.ts). Plain ALTER TABLE on both databases, so that
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
    await createEpochTriggers(queryRunner, this.name);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // SQLite drops a column only when no trigger names it.
    await dropEpochTriggers(queryRunner, this.name);
    await queryRunner.query(`ALTER TABLE "signing_key" DROP COLUMN "withdrawnAt"`);
    await queryRunner.query(`ALTER TABLE "signing_key" DROP COLUMN "activatesAt"`);
  }
}
