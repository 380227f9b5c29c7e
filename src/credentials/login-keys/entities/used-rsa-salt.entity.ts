import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A salt that has signed a `loginwithrsa` request: each (user, salt) pair is accepted once. The
 * row is purged once its signature's expiration has passed, when it could not be replayed anyway.
 */
@Entity('used_rsa_salt')
export class UsedRsaSalt {
  @PrimaryColumn({ type: 'integer' }) userId: number;
  /** SHA-256 of the salt, so that the key has a fixed width whatever the client sent. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) saltHash: string;

  @Index()
  @Column({ type: Date })
  expiresAt: Date;
}
