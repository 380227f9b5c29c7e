import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from './user.entity.js';

/** A long-lived user token of the user-token API; only the SHA-256 of its value is kept. */
@Entity('user_token')
export class UserToken {
  @PrimaryGeneratedColumn() id: number;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  tokenHash: string;

  @Index()
  @Column({ type: 'integer' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;

  @Column({ type: 'varchar', length: 255, nullable: true }) note: string | null;
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  @Column({ type: Date, nullable: true }) expirationTime: Date | null;
  @Column({ type: Date }) creationTime: Date;
  @Column({ type: Date, nullable: true }) lastUsageTime: Date | null;
  @Column({ type: 'integer', default: 0 }) version: number;
}
