import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * The audit trail. `userId` is deliberately not a foreign key: events about a user stay after the
 * user is deleted, until the retention purge removes them.
 */
export class AuditEvents1763940000000 implements MigrationInterface {
  name = 'AuditEvents1763940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const varchar = (name: string, length: number, isNullable = true) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    await queryRunner.createTable(
      new Table({
        name: 'audit_event',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'time', type: timestampType(queryRunner), isNullable: false },
          varchar('type', 32, false),
          varchar('outcome', 16, false),
          varchar('api', 32),
          { name: 'userId', type: 'integer', isNullable: true },
          varchar('username', 64),
          { name: 'actorId', type: 'integer', isNullable: true },
          varchar('address', 64),
          varchar('agent', 256),
          { name: 'detail', type: 'text', isNullable: true },
        ],
        indices: [
          { name: 'IDX_audit_event_time', columnNames: ['time'] },
          { name: 'IDX_audit_event_userId', columnNames: ['userId'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_event');
  }
}
