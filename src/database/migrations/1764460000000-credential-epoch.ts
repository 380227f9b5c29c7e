import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  ADVANCE_EPOCH,
  createEpochTriggers,
  dropEpochTriggers,
} from '../credential-epoch-triggers.js';
import { isPostgres } from './column-types.js';

/**
 * The credential epoch: one counter that the database itself moves, in the transaction that makes
 * the change, whenever what a check keeps may change: a user disabled, deleted or given new
 * credentials (`enabled`, `credentialsChangedAt`), a revocation added or removed, a group or a
 * membership changed (the session API answers a user's group trees). Checks keep what they read
 * for as long as the counter stands still (CredentialStateCache), and a trigger sees every writer:
 * each instance, the CLI, a statement typed into psql. Logins, lockouts and last-use times do not
 * move it.
 *
 * The triggers are listed in credential-epoch-triggers.ts, with every later migration's. SQLite
 * drops a table's triggers with the table, and TypeORM's SQLite query runner rebuilds a table to
 * change its columns: a later migration that alters one of these tables must create its triggers
 * again (the server refuses to start without them).
 */
export class CredentialEpoch1764460000000 implements MigrationInterface {
  name = 'CredentialEpoch1764460000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner);
    await queryRunner.query(
      `CREATE TABLE "credential_epoch" ("id" integer PRIMARY KEY, "value" bigint NOT NULL)`,
    );
    await queryRunner.query(`INSERT INTO "credential_epoch" ("id", "value") VALUES (1, 0)`);
    if (postgres)
      await queryRunner.query(
        `CREATE FUNCTION "credential_epoch_advance"() RETURNS trigger LANGUAGE plpgsql AS ` +
          `$$ BEGIN ${ADVANCE_EPOCH}; RETURN NULL; END $$`,
      );
    await createEpochTriggers(queryRunner, this.name);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner);
    await dropEpochTriggers(queryRunner, this.name);
    if (postgres) await queryRunner.query(`DROP FUNCTION "credential_epoch_advance"()`);
    await queryRunner.query(`DROP TABLE "credential_epoch"`);
  }
}
