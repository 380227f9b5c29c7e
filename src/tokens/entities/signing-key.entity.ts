import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An RS256 key pair shared by every instance on the database. The newest one signs; older ones
 * only verify, until the tokens they signed have expired.
 */
@Entity('signing_key')
export class SigningKey {
  /** RFC 7638 thumbprint of the public key, published as the JWK `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) kid: string;

  @Column({ type: 'text' }) publicKeyPem: string;
  @Column({ type: 'text' }) privateKeyPem: string;
  @Column({ type: Date }) createdAt: Date;
}
