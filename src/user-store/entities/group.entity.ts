import {
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** A node of the group tree the session API returns with each user. */
@Entity('group')
export class Group {
  @PrimaryGeneratedColumn() id: number;

  @Column({ type: 'varchar', length: 128, unique: true }) name: string;

  @Column({ type: 'varchar', length: 1024, nullable: true }) description: string | null;

  @Index('IDX_group_parentId')
  @Column({ type: 'integer', nullable: true })
  parentId: number | null;

  @ManyToOne(() => Group, (group) => group.children, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'parentId' })
  parent?: Group | null;

  @OneToMany(() => Group, (group) => group.parent) children?: Group[];
}
