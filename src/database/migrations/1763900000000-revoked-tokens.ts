import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/** The revocation list of access JWTs, by `jti`. */
export class RevokedTokens1763900000000 implements MigrationInterface {
  name = 'RevokedTokens1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'revoked_token',
        columns: [
          { name: 'jti', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expiresAt', type: time },
        ],
        indices: [{ name: 'IDX_revoked_token_expiresAt', columnNames: ['expiresAt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('revoked_token');
  }
}
