import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/** A session of the session API: the numeric id is the sid; only the SHA-256 of its secret is kept. */
@Entity('session')
export class Session {
  /** AUTOINCREMENT on SQLite and a sequence on PostgreSQL, so a sid is never handed out twice. */
  @PrimaryGeneratedColumn() id: number;

  @Column({ type: 'varchar', length: 64 }) secretHash: string;

  @Index()
  @Column({ type: 'integer' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;

  @Column({ type: Date }) createdAt: Date;
  @Column({ type: Date }) lastSeenAt: Date;
  @Column({ type: 'varchar', length: 64, nullable: true }) clientAddress: string | null;
  @Column({ type: 'varchar', length: 512, nullable: true }) userAgent: string | null;

  /**
   * When the browser holding this session last signed in with a passkey (the portal records it):
   * within a few minutes of it, adding another passkey needs no password.
   */
  @Column({ type: Date, nullable: true }) passkeyVerifiedAt: Date | null;
}
