import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An access JWT revoked before its `exp`. The row is useless once the token would have expired
 * anyway, and is purged then, which keeps the list bounded.
 */
@Entity('revoked_token')
export class RevokedToken {
  @PrimaryColumn({ type: 'varchar', length: 64 }) jti: string;

  @Index()
  @Column({ type: Date })
  expiresAt: Date;
}
