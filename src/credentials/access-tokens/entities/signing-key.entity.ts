import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An RS256 key pair shared by every instance on the database. The latest activated one signs;
 * older ones only verify, until the tokens they signed have expired or they are withdrawn.
 */
@Entity('signing_key')
export class SigningKey {
  /** RFC 7638 thumbprint of the public key, published as the JWK `kid`. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) kid: string;

  @Column({ type: 'text' }) publicKeyPem: string;
  @Column({ type: 'text' }) privateKeyPem: string;
  @Column({ type: Date }) createdAt: Date;
  /** When it starts signing: published before then, so that cached key sets already hold it. */
  @Column({ type: Date }) activatesAt: Date;
  /** When an emergency rotation withdrew it: no longer published, nothing it signed verifies. */
  @Column({ type: Date, nullable: true }) withdrawnAt: Date | null;
}
