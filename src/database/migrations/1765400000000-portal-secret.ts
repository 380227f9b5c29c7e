import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The secret that keys the sign-in portal's form tokens and its pending second steps. */
export const PORTAL_SECRET = 'portal';

/**
 * The sign-in portal's secret, made once by the first instance that migrates, so that a form one
 * instance served is accepted by every other.
 */
export class PortalSecret1765400000000 implements MigrationInterface {
  name = 'PortalSecret1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Base64 and a fixed name: nothing here needs quoting beyond the literal's quotes.
    const secret = randomBytes(32).toString('base64');
    await queryRunner.query(
      `INSERT INTO "server_secret" ("name", "value") VALUES ('${PORTAL_SECRET}', '${secret}')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "server_secret" WHERE "name" = '${PORTAL_SECRET}'`);
  }
}
