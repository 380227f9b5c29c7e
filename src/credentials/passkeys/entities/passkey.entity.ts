import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { User } from '../../../user-store/entities/user.entity.js';

/**
 * A passkey of a user: the public half of a WebAuthn credential, what checks its assertions.
 * Nothing here can sign: the private key never leaves the user's authenticator.
 */
@Entity('passkey')
export class Passkey {
  @PrimaryGeneratedColumn() id: number;

  @Index()
  @Column({ type: 'integer' })
  userId: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: User;

  /** The credential id the authenticator chose, base64url: what an assertion names it by. */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 1366 })
  credentialId: string;

  /** The credential's public key, the COSE key of its attestation, in base64url. */
  @Column({ type: 'text' }) publicKey: string;

  /**
   * The authenticator's signature counter as last seen: an assertion whose non-zero counter is
   * not above it comes from a clone. Up to 2^32, a bigint on PostgreSQL, read back as a number.
   */
  @Column({
    type: 'bigint',
    transformer: { to: (value: number) => value, from: (value: string | number) => Number(value) },
  })
  counter: number;

  /** How the browser may reach the authenticator (`internal`, `usb`, `hybrid`, …), as it said. */
  @Column({
    type: 'text',
    transformer: {
      to: (value: string[]) => value.join(','),
      from: (value: string) => (value ? value.split(',') : []),
    },
  })
  transports: string[];

  /** The authenticator model's AAGUID (all zeros when it keeps that to itself). */
  @Column({ type: 'varchar', length: 36 }) aaguid: string;

  /** The owner's name for it, trimmed, 1 to 64 characters. */
  @Column({ type: 'varchar', length: 64 }) name: string;

  @Column({ type: Date }) createdAt: Date;
  @Column({ type: Date, nullable: true }) lastUsedAt: Date | null;
}
