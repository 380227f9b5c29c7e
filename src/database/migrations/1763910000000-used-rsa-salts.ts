import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/** The salts `loginwithrsa` has accepted, so that none is accepted twice for a user. */
export class UsedRsaSalts1763910000000 implements MigrationInterface {
  name = 'UsedRsaSalts1763910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'used_rsa_salt',
        columns: [
          { name: 'userId', type: 'integer', isPrimary: true },
          { name: 'saltHash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'expiresAt', type: time },
        ],
        indices: [{ name: 'IDX_used_rsa_salt_expiresAt', columnNames: ['expiresAt'] }],
        foreignKeys: [
          {
            name: 'FK_used_rsa_salt_user',
            columnNames: ['userId'],
            referencedTableName: 'user',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('used_rsa_salt');
  }
}
