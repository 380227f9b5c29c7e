import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { timestampType } from './column-types.js';

/**
 * Shared signals: the security events as they happen, the receivers' streams, and each event still
 * owed to a stream. A delivery goes with its stream or its event; an event's `userId` is no
 * foreign key, so that a deleted account's event outlives it.
 */
export class SecurityEvents1765600000000 implements MigrationInterface {
  name = 'SecurityEvents1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'security_event',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'type', type: 'varchar', length: '128' },
          { name: 'userId', type: 'integer', isNullable: true },
          { name: 'detail', type: 'text' },
          { name: 'occurredAt', type: time },
        ],
        indices: [
          { name: 'IDX_security_event_user', columnNames: ['userId'] },
          { name: 'IDX_security_event_occurred', columnNames: ['occurredAt'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ssf_stream',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'clientId', type: 'varchar', length: '32' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'statusReason', type: 'varchar', length: '256', isNullable: true },
          { name: 'deliveryMethod', type: 'varchar', length: '32' },
          { name: 'endpointUrl', type: 'varchar', length: '2048', isNullable: true },
          { name: 'sealedAuthorization', type: 'text', isNullable: true },
          { name: 'eventsRequested', type: 'text' },
          { name: 'eventsDelivered', type: 'text' },
          { name: 'description', type: 'varchar', length: '256', isNullable: true },
          { name: 'createdAt', type: time },
          { name: 'updatedAt', type: time },
        ],
        indices: [{ name: 'IDX_ssf_stream_client', columnNames: ['clientId'], isUnique: true }],
        foreignKeys: [
          {
            name: 'FK_ssf_stream_client',
            columnNames: ['clientId'],
            referencedTableName: 'service_client',
            referencedColumnNames: ['clientId'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ssf_delivery',
        columns: [
          { name: 'streamId', type: 'varchar', length: '36', isPrimary: true },
          { name: 'eventId', type: 'integer', isPrimary: true },
          { name: 'jti', type: 'varchar', length: '36' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'nextAttemptAt', type: time },
        ],
        indices: [
          { name: 'IDX_ssf_delivery_due', columnNames: ['streamId', 'nextAttemptAt'] },
          { name: 'IDX_ssf_delivery_jti', columnNames: ['jti'], isUnique: true },
        ],
        foreignKeys: [
          {
            name: 'FK_ssf_delivery_stream',
            columnNames: ['streamId'],
            referencedTableName: 'ssf_stream',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'FK_ssf_delivery_event',
            columnNames: ['eventId'],
            referencedTableName: 'security_event',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ssf_delivery');
    await queryRunner.dropTable('ssf_stream');
    await queryRunner.dropTable('security_event');
  }
}
