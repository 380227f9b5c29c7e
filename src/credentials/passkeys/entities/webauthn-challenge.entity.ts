import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a challenge was issued for: adding a passkey, or signing in with one. */
export type ChallengePurpose = 'registration' | 'authentication';

/**
 * A WebAuthn challenge waiting for its answer: random, kept server-side, taken once, within
 * five minutes. The challenge itself is its id, the `challengeId` clients send back.
 */
@Entity('webauthn_challenge')
export class WebauthnChallenge {
  /** 32 random bytes, base64url, as the options carry it. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) challenge: string;

  @Column({ type: 'varchar', length: 16 }) purpose: ChallengePurpose;

  /** The user adding a passkey (registration); null for a sign-in, which names no one. */
  @Column({ type: 'integer', nullable: true }) userId: number | null;

  /**
   * The browser that asked, when the portal's page did: SHA-256 of its form secret, so that only
   * that browser can answer the challenge.
   */
  @Column({ type: 'varchar', length: 64, nullable: true }) browser: string | null;

  @Index()
  @Column({ type: Date })
  expiresAt: Date;
}
