import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/** The TOTP second factor: one factor per user, with its ten recovery codes. */
export class Totp1765200000000 implements MigrationInterface {
  name = 'Totp1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    const ofUser = (table: string) => ({
      name: `FK_${table}_user`,
      columnNames: ['userId'],
      referencedTableName: 'user',
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    });
    await queryRunner.createTable(
      new Table({
        name: 'totp_factor',
        columns: [
          { name: 'userId', type: 'integer', isPrimary: true },
          { name: 'encryptedSecret', type: 'varchar', length: '255' },
          { name: 'enabledAt', type: time, isNullable: true },
          { name: 'lastUsedStep', type: 'integer', isNullable: true },
          { name: 'createdAt', type: time },
        ],
        foreignKeys: [ofUser('totp_factor')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'totp_recovery_code',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'userId', type: 'integer' },
          { name: 'codeHash', type: 'varchar', length: '64' },
          { name: 'usedAt', type: time, isNullable: true },
        ],
        indices: [
          {
            name: 'IDX_totp_recovery_code_user_hash',
            columnNames: ['userId', 'codeHash'],
            isUnique: true,
          },
        ],
        foreignKeys: [ofUser('totp_recovery_code')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('totp_recovery_code');
    await queryRunner.dropTable('totp_factor');
  }
}
