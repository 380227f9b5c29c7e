import type { MigrationInterface, QueryRunner } from 'typeorm';

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
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.query(
      `CREATE TABLE "credential_epoch" ("id" integer PRIMARY KEY, "value" bigint NOT NULL)`,
    );
    await queryRunner.query(`INSERT INTO "credential_epoch" ("id", "value") VALUES (1, 0)`);
    const advance = `UPDATE "credential_epoch" SET "value" = "value" + 1`;
    if (isPostgres) {
      await queryRunner.query(
        `CREATE FUNCTION "credential_epoch_advance"() RETURNS trigger LANGUAGE plpgsql AS ` +
          `$$ BEGIN ${advance}; RETURN NULL; END $$`,
      );
      // TRUNCATE fires no DELETE trigger on PostgreSQL (SQLite has none, and a DELETE of every
      // row runs the triggers there).
      for (const [table, events] of TRIGGERS)
        await queryRunner.query(
          `CREATE TRIGGER "credential_epoch_${table}" ` +
            `AFTER ${[...events, 'TRUNCATE'].join(' OR ')} ON "${table}" ` +
            `FOR EACH STATEMENT EXECUTE FUNCTION "credential_epoch_advance"()`,
        );
      return;
    }
    for (const [table, events] of TRIGGERS)
      for (const [index, event] of events.entries())
        await queryRunner.query(
          `CREATE TRIGGER "credential_epoch_${table}_${index}" AFTER ${event} ON "${table}" ` +
            `BEGIN ${advance}; END`,
        );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const isPostgres = queryRunner.connection.driver.options.type === 'postgres';
    for (const [table, events] of TRIGGERS) {
      if (isPostgres)
        await queryRunner.query(`DROP TRIGGER "credential_epoch_${table}" ON "${table}"`);
      else
        for (const index of events.keys())
          await queryRunner.query(`DROP TRIGGER "credential_epoch_${table}_${index}"`);
    }
    if (isPostgres) await queryRunner.query(`DROP FUNCTION "credential_epoch_advance"()`);
    await queryRunner.query(`DROP TABLE "credential_epoch"`);
  }
}

/** The writes that can change what a check keeps, by table. */
const TRIGGERS: [string, string[]][] = [
  ['user', ['UPDATE OF "enabled", "credentialsChangedAt"', 'DELETE']],
  ['revoked_token', ['INSERT', 'UPDATE', 'DELETE']],
  ['group', ['INSERT', 'UPDATE', 'DELETE']],
  ['user_group', ['INSERT', 'UPDATE', 'DELETE']],
];
