import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { timestampType } from './column-types.js';

/** Per-account failed-login state, in the database so that every instance sees the same lock. */
export class LoginLockout1763920000000 implements MigrationInterface {
  name = 'LoginLockout1763920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.addColumns('user', [
      new TableColumn({ name: 'failedLoginCount', type: 'integer', default: 0 }),
      new TableColumn({ name: 'lockedUntil', type: time, isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('user', 'lockedUntil');
    await queryRunner.dropColumn('user', 'failedLoginCount');
  }
}
