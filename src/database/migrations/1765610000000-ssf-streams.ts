import { randomBytes } from 'node:crypto';
import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { timestampType } from './column-types.js';

/** The secret that seals the `Authorization` header each push stream's receiver asked for. */
export const SSF_SECRET = 'ssf';

/**
 * What stream management keeps beside a stream: when its receiver last asked for a verification
 * event (SSF's minimum interval between two holds for every instance), and the secret that seals
 * push credentials, made once by the first instance that migrates, so that every instance opens
 * what another sealed.
 */
export class SsfStreams1765610000000 implements MigrationInterface {
  name = 'SsfStreams1765610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'ssf_stream',
      new TableColumn({ name: 'verifiedAt', type: timestampType(queryRunner), isNullable: true }),
    );
    // Base64 and a fixed name: nothing here needs quoting beyond the literal's quotes.
    const secret = randomBytes(32).toString('base64');
    await queryRunner.query(
      `INSERT INTO "server_secret" ("name", "value") VALUES ('${SSF_SECRET}', '${secret}')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "server_secret" WHERE "name" = '${SSF_SECRET}'`);
    await queryRunner.dropColumn('ssf_stream', 'verifiedAt');
  }
}
