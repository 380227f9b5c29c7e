import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * When a name no user has last failed to log in, so that the purge can forget names that have
 * been quiet for longer than the longest lock. Rows from before have none and count as quiet.
 */
export class LoginFailureTime1763957000000 implements MigrationInterface {
  name = 'LoginFailureTime1763957000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'login_failure',
      new TableColumn({
        name: 'lastFailureAt',
        type: timestampType(queryRunner),
        isNullable: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('login_failure', 'lastFailureAt');
  }
}
