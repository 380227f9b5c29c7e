import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a SET carries of an event besides the envelope every SET has: its subject (RFC 9493, as
 * SSF 1.0 extends it), the id shared by the events of one change, and the event's own members.
 */
export interface SecurityEventDetail {
  sub_id: Record<string, unknown>;
  txn: string;
  event: Record<string, unknown>;
}

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

  /** Never a secret: receivers read it. */
  @Column({ type: 'simple-json' }) detail: SecurityEventDetail;

  @Index('IDX_security_event_occurred')
  @Column({ type: Date })
  occurredAt: Date;
}
