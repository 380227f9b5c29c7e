import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A change that the services holding a user's tokens must hear of (a session or token revoked, a
 * credential changed, an account disabled): a fact, written in the same transaction as the change
 * itself, from which the transmitter builds a Security Event Token for each stream. Its id orders
 * the events; `userId` has no foreign key, so that an account's deletion can be told of.
 */
@Entity('security_event')
export class SecurityEvent {
  @PrimaryGeneratedColumn() id: number;

  /** The event's type, as its URI (CAEP's or RISC's). */
  @Column({ type: 'varchar', length: 128 }) type: string;

  @Index('IDX_security_event_user')
  @Column({ type: 'integer', nullable: true })
  userId: number | null;

  /** The subject and the event's members, as the SET will carry them; never a secret. */
  @Column({ type: 'simple-json' }) detail: Record<string, unknown>;

  @Index('IDX_security_event_occurred')
  @Column({ type: Date })
  occurredAt: Date;
}
