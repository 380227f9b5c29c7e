import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One security-relevant event: a login, a token issued or revoked, a session started or ended, a
 * password or admin change. `userId` has no foreign key on purpose, so that a user's history
 * outlives the user. Nothing here is ever a secret.
 */
@Entity('audit_event')
export class AuditEvent {
  @PrimaryGeneratedColumn() id: number;

  @Index('IDX_audit_event_time')
  @Column({ type: Date })
  time: Date;

  @Column({ type: 'varchar', length: 32 }) type: string;
  @Column({ type: 'varchar', length: 16 }) outcome: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) api: string | null;

  @Index('IDX_audit_event_userId')
  @Column({ type: 'integer', nullable: true })
  userId: number | null;

  @Column({ type: 'varchar', length: 64, nullable: true }) username: string | null;
  @Column({ type: 'integer', nullable: true }) actorId: number | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) address: string | null;
  @Column({ type: 'varchar', length: 256, nullable: true }) agent: string | null;

  @Column({ type: 'simple-json', nullable: true })
  detail: Record<string, string | number | boolean | null> | null;
}
