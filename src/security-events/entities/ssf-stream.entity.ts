import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A stream's state: `paused` keeps its events for later, `disabled` drops them. */
export type StreamStatus = 'enabled' | 'paused' | 'disabled';

/** RFC 8935 (the transmitter pushes) or RFC 8936 (the receiver polls). */
export type DeliveryMethod = 'urn:ietf:rfc:8935' | 'urn:ietf:rfc:8936';

/** One receiver's stream of security events: a service client subscribes to one stream. */
@Entity('ssf_stream')
export class SsfStream {
  /** A random id, the `stream_id` of the SSF API. */
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string;

  @Index('IDX_ssf_stream_client', { unique: true })
  @Column({ type: 'varchar', length: 32 })
  clientId: string;

  @Column({ type: 'varchar', length: 16 }) status: StreamStatus;
  @Column({ type: 'varchar', length: 256, nullable: true }) statusReason: string | null;

  @Column({ type: 'varchar', length: 32 }) deliveryMethod: DeliveryMethod;

  /** Where pushed events go; null for a polled stream. */
  @Column({ type: 'varchar', length: 2048, nullable: true }) endpointUrl: string | null;

  /**
   * The `Authorization` header the receiver asked pushes to carry, sealed with a server secret:
   * it is the receiver's credential, which Gatehouse must send but never show again.
   */
  @Column({ type: 'text', nullable: true }) sealedAuthorization: string | null;

  /** The event types the receiver asked for, and the ones it gets (those Gatehouse supports). */
  @Column({ type: 'simple-json' }) eventsRequested: string[];
  @Column({ type: 'simple-json' }) eventsDelivered: string[];

  @Column({ type: 'varchar', length: 256, nullable: true }) description: string | null;

  /** When the receiver last asked for a verification event; null before the first. */
  @Column({ type: Date, nullable: true }) verifiedAt: Date | null;

  @Column({ type: Date }) createdAt: Date;
  @Column({ type: Date }) updatedAt: Date;
}
