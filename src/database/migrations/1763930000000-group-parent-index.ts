import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** Every session validation walks the group tree downwards, from a group to its children. */
export class GroupParentIndex1763930000000 implements MigrationInterface {
  name = 'GroupParentIndex1763930000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'group',
      new TableIndex({ name: 'IDX_group_parentId', columnNames: ['parentId'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('group', 'IDX_group_parentId');
  }
}
