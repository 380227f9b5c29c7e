import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEpochTriggers, dropEpochTriggers } from '../credential-epoch-triggers.js';

/**
 * The user's credential version (User.credentialVersion), which every access JWT carries: 0 for
 * every existing user, as a token issued before this migration, without the claim, counts as 0,
 * so those tokens stay valid until the user's next change. A change of the version changes what
 * an access-JWT check keeps, so it moves the credential epoch too, by a trigger of its own
 * (credential-epoch-triggers.ts).
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
    await createEpochTriggers(queryRunner, this.name);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // SQLite drops a column only when no trigger names it.
    await dropEpochTriggers(queryRunner, this.name);
    await queryRunner.query(`ALTER TABLE "user" DROP COLUMN "credentialVersion"`);
  }
}
