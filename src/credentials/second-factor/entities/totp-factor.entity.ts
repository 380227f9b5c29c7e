import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A user's TOTP second factor: pending from enrolment until a first code confirms it, then on.
 * The secret is kept encrypted (TotpSecrets), never in clear.
 */
@Entity('totp_factor')
export class TotpFactor {
  @PrimaryColumn({ type: 'integer' }) userId: number;

  /** AES-256-GCM of the 20-byte secret, bound to the user (TotpSecrets). */
  @Column({ type: 'varchar', length: 255 }) encryptedSecret: string;

  /** When a first code confirmed it; null while enrolment is pending, when no login asks for it. */
  @Column({ type: Date, nullable: true }) enabledAt: Date | null;

  /** The 30-second step of the last code accepted: no code of that step or an earlier one is taken again. */
  @Column({ type: 'integer', nullable: true }) lastUsedStep: number | null;

  @Column({ type: Date }) createdAt: Date;
}
