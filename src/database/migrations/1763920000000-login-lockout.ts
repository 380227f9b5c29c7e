import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Failed-login state, in the database so that every instance sees the same lock: on the user row
 * for accounts, and in login_failure for names no user has (so that they lock the same way).
 */
export class LoginLockout1763920000000 implements MigrationInterface {
  name = 'LoginLockout1763920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.addColumns('user', [
      new TableColumn({ name: 'failedLoginCount', type: 'integer', default: 0 }),
      new TableColumn({ name: 'lockedUntil', type: time, isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'login_failure',
        columns: [
          { name: 'usernameKey', type: 'text', isPrimary: true },
          { name: 'failedLoginCount', type: 'integer', default: 0 },
          { name: 'lockedUntil', type: time, isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('login_failure');
    await queryRunner.dropColumn('user', 'lockedUntil');
    await queryRunner.dropColumn('user', 'failedLoginCount');
  }
}
