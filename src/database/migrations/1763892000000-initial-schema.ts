import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';
import { timestampType } from './column-types.js';

/** The first schema: users, groups, user tokens, sessions and signing keys, for SQLite and PostgreSQL. */
export class InitialSchema1763892000000 implements MigrationInterface {
  name = 'InitialSchema1763892000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    const now =
      queryRunner.connection.driver.options.type === 'postgres' ? 'now()' : "datetime('now')";
    const id: TableColumnOptions = {
      name: 'id',
      type: 'integer',
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    };
    const text = (name: string, length: number, isNullable = true): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable,
    });
    const timestamp = (name: string, isNullable = false): TableColumnOptions => ({
      name,
      type: time,
      isNullable,
    });

    await queryRunner.createTable(
      new Table({
        name: 'group',
        columns: [
          id,
          text('name', 128, false),
          text('description', 1024),
          { name: 'parentId', type: 'integer', isNullable: true },
        ],
        uniques: [{ name: 'UQ_group_name', columnNames: ['name'] }],
        foreignKeys: [
          {
            name: 'FK_group_parent',
            columnNames: ['parentId'],
            referencedTableName: 'group',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'user',
        columns: [
          id,
          text('username', 64, false),
          // text: NFKC can expand one character of a 64-character name into 18.
          { name: 'usernameKey', type: 'text', isNullable: false },
          text('passwordHash', 100, false),
          { ...text('privilege', 16, false), default: "'user'" },
          text('scope', 1024),
          text('firstName', 128),
          text('lastName', 128),
          text('email', 254),
          text('description', 1024),
          { name: 'publicKey', type: 'text', isNullable: true },
          { name: 'enabled', type: 'boolean', default: true },
          timestamp('lastLoginTime', true),
          timestamp('credentialsChangedAt'),
          { ...timestamp('createdAt'), default: now },
          { ...timestamp('updatedAt'), default: now },
        ],
        uniques: [{ name: 'UQ_user_usernameKey', columnNames: ['usernameKey'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'user_group',
        columns: [
          { name: 'userId', type: 'integer', isPrimary: true },
          { name: 'groupId', type: 'integer', isPrimary: true },
        ],
        indices: [{ name: 'IDX_user_group_groupId', columnNames: ['groupId'] }],
        foreignKeys: [
          {
            name: 'FK_user_group_user',
            columnNames: ['userId'],
            referencedTableName: 'user',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'FK_user_group_group',
            columnNames: ['groupId'],
            referencedTableName: 'group',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    const ownedByUser = (table: string) => ({
      name: `FK_${table}_user`,
      columnNames: ['userId'],
      referencedTableName: 'user',
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    });

    await queryRunner.createTable(
      new Table({
        name: 'user_token',
        columns: [
          id,
          text('tokenHash', 64, false),
          { name: 'userId', type: 'integer' },
          text('note', 255),
          { name: 'enabled', type: 'boolean', default: true },
          timestamp('expirationTime', true),
          timestamp('creationTime'),
          timestamp('lastUsageTime', true),
          { name: 'version', type: 'integer', default: 0 },
        ],
        indices: [
          { name: 'IDX_user_token_tokenHash', columnNames: ['tokenHash'], isUnique: true },
          { name: 'IDX_user_token_userId', columnNames: ['userId'] },
        ],
        foreignKeys: [ownedByUser('user_token')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'session',
        columns: [
          id,
          text('secretHash', 64, false),
          { name: 'userId', type: 'integer' },
          timestamp('createdAt'),
          timestamp('lastSeenAt'),
          text('clientAddress', 64),
          text('userAgent', 512),
        ],
        indices: [{ name: 'IDX_session_userId', columnNames: ['userId'] }],
        foreignKeys: [ownedByUser('session')],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'signing_key',
        columns: [
          { ...text('kid', 64, false), isPrimary: true },
          { name: 'publicKeyPem', type: 'text' },
          { name: 'privateKeyPem', type: 'text' },
          timestamp('createdAt'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['signing_key', 'session', 'user_token', 'user_group', 'user', 'group']) {
      await queryRunner.dropTable(table);
    }
  }
}
