import type { MigrationInterface, QueryRunner } from 'typeorm';
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
 * SQLite drops a table's triggers with the table, and TypeORM's SQLite query runner rebuilds a
 * table to change its columns: a later migration that alters one of these tables must create its
 * triggers again (the e2e tests of disabling, revocation and groups fail without them).
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
          `$$ BEGIN ${ADVANCE}; RETURN NULL; END $$`,
      );
    await createEpochTriggers(queryRunner, TRIGGERS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = isPostgres(queryRunner);
    await dropEpochTriggers(queryRunner, TRIGGERS);
    if (postgres) await queryRunner.query(`DROP FUNCTION "credential_epoch_advance"()`);
    await queryRunner.query(`DROP TABLE "credential_epoch"`);
  }
}

const ADVANCE = `UPDATE "credential_epoch" SET "value" = "value" + 1`;

/** Writes that move the credential epoch, by table. */
export type EpochTriggers = [table: string, events: string[]][];

/** The writes that can change what a check keeps, by table. */
export const TRIGGERS: EpochTriggers = [
  ['user', ['UPDATE OF "enabled", "credentialsChangedAt"', 'DELETE']],
  ['revoked_token', ['INSERT', 'UPDATE', 'DELETE']],
  ['group', ['INSERT', 'UPDATE', 'DELETE']],
  ['user_group', ['INSERT', 'UPDATE', 'DELETE']],
];

/**
 * The triggers that watch TRIGGERS: on PostgreSQL one statement trigger a table, which also
 * watches TRUNCATE (it fires no DELETE trigger there); on SQLite, whose triggers take one event,
 * one a write (a DELETE of every row runs them, and SQLite has no TRUNCATE).
 */
export function triggersOn(
  postgres: boolean,
  triggers: EpochTriggers,
): { name: string; table: string; events: string[] }[] {
  return triggers.flatMap(([table, events]) =>
    postgres
      ? [{ name: `credential_epoch_${table}`, table, events: [...events, 'TRUNCATE'] }]
      : events.map((event, index) => ({
          name: `credential_epoch_${table}_${index}`,
          table,
          events: [event],
        })),
  );
}

/** Makes these writes move the epoch (the function they call exists from this migration on). */
export async function createEpochTriggers(
  queryRunner: QueryRunner,
  triggers: EpochTriggers,
): Promise<void> {
  const postgres = isPostgres(queryRunner);
  for (const { name, table, events } of triggersOn(postgres, triggers))
    await queryRunner.query(
      `CREATE TRIGGER "${name}" AFTER ${events.join(' OR ')} ON "${table}" ` +
        (postgres
          ? `FOR EACH STATEMENT EXECUTE FUNCTION "credential_epoch_advance"()`
          : `BEGIN ${ADVANCE}; END`),
    );
}

export async function dropEpochTriggers(
  queryRunner: QueryRunner,
  triggers: EpochTriggers,
): Promise<void> {
  const postgres = isPostgres(queryRunner);
  for (const { name, table } of triggersOn(postgres, triggers))
    await queryRunner.query(`DROP TRIGGER "${name}"${postgres ? ` ON "${table}"` : ''}`);
}
