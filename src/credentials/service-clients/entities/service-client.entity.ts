import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A service that may introspect and revoke tokens (RFC 7662, RFC 7009): its public id, and only
 * the SHA-256 of its secret, which is 256 random bits, so a fast hash is enough.
 */
@Entity('service_client')
export class ServiceClient {
  @PrimaryColumn({ type: 'varchar', length: 32 }) clientId: string;

  /** The service's name, as metrics and the audit trail name it. */
  @Column({ type: 'varchar', length: 64 }) name: string;

  @Column({ type: 'boolean', default: true }) enabled: boolean;

  @Column({ type: 'varchar', length: 64 }) secretHash: string;

  @Column({ type: Date }) createdAt: Date;
  @Column({ type: Date }) updatedAt: Date;
}
