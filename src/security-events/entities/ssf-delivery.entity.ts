import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An event waiting for one stream's receiver to acknowledge it: written with the event for every
 * stream that is not disabled and asked for its type, deleted once acknowledged (a push answered
 * 202, a poll's `ack`) or dropped. Deliveries go out in event order within a stream.
 */
@Entity('ssf_delivery')
@Index('IDX_ssf_delivery_due', ['streamId', 'nextAttemptAt'])
export class SsfDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 }) streamId: string;
  @PrimaryColumn({ type: 'integer' }) eventId: number;

  /** The SET's `jti`: a poll acknowledges events by it. */
  @Index('IDX_ssf_delivery_jti', { unique: true })
  @Column({ type: 'varchar', length: 36 })
  jti: string;

  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: Date }) nextAttemptAt: Date;
}
