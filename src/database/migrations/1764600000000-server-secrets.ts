import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The secret that keys the hash under which a login name no user has is remembered. */
export const LOGIN_NAME_SECRET = 'login-name';

/**
 * Secrets every instance shares, made once, here, by the first instance that migrates. A login
 * name no user has is now remembered only as a keyed hash (a password or a token typed into the
 * username field must never be stored), so the failure counts and audit entries kept under
 * names as typed are dropped: losing a few minutes of failure counts for unknown names costs
 * nothing, keeping what may be a password would.
 */
export class ServerSecrets1764600000000 implements MigrationInterface {
  name = 'ServerSecrets1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "server_secret" ("name" varchar(64) PRIMARY KEY, "value" text NOT NULL)`,
    );
    // Base64 and a fixed name: nothing here needs quoting beyond the literal's quotes.
    const secret = randomBytes(32).toString('base64');
    await queryRunner.query(
      `INSERT INTO "server_secret" ("name", "value") VALUES ('${LOGIN_NAME_SECRET}', '${secret}')`,
    );
    await queryRunner.query(`DELETE FROM "login_failure"`);
    await queryRunner.query(
      `UPDATE "audit_event" SET "username" = NULL WHERE "type" = 'login' AND "userId" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "server_secret"`);
  }
}
