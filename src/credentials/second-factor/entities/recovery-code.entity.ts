import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One of the ten recovery codes of a user's second factor: its keyed hash, and whether it was used. */
@Entity('totp_recovery_code')
@Index('IDX_totp_recovery_code_user_hash', ['userId', 'codeHash'], { unique: true })
export class RecoveryCode {
  @PrimaryGeneratedColumn() id: number;

  @Column({ type: 'integer' }) userId: number;

  /** HMAC-SHA256 of the code under a key derived from the TOTP encryption key (TotpSecrets). */
  @Column({ type: 'varchar', length: 64 }) codeHash: string;

  /** When it let its user in; a used code is never accepted again. */
  @Column({ type: Date, nullable: true }) usedAt: Date | null;
}
