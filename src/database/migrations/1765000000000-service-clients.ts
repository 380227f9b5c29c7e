import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/** The service clients that introspect and revoke tokens: a public id and the secret's SHA-256. */
export class ServiceClients1765000000000 implements MigrationInterface {
  name = 'ServiceClients1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'service_client',
        columns: [
          { name: 'clientId', type: 'varchar', length: '32', isPrimary: true },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'enabled', type: 'boolean', default: true },
          { name: 'secretHash', type: 'varchar', length: '64' },
          { name: 'createdAt', type: time },
          { name: 'updatedAt', type: time },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('service_client');
  }
}
