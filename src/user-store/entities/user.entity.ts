import {
  Column,
  CreateDateColumn,
  Entity,
  JoinTable,
  ManyToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Group } from './group.entity.js';

export const PRIVILEGES = ['user', 'admin'] as const;
export type Privilege = (typeof PRIVILEGES)[number];

/** The one user store all five APIs share: a user registered through one logs in through all. */
@Entity('user')
export class User {
  @PrimaryGeneratedColumn() id: number;

  @Column({ type: 'varchar', length: 64 }) username: string;

  /** The case-folded username; its unique index is what makes usernames case-insensitively unique. */
  @Column({ type: 'text', unique: true }) usernameKey: string;

  /** bcrypt, or a hash imported in another format until the user's next login (imported-hash.ts). */
  @Column({ type: 'varchar', length: 255 }) passwordHash: string;

  /**
   * SHA-256 (hex) of the hash the user's last import stored, null when none did: an import run
   * again replaces only a hash still equal to it, never one the user, an admin or a login's
   * upgrade to bcrypt has set since.
   */
  @Column({ type: 'varchar', length: 64, nullable: true }) importedHashDigest: string | null;

  /** SHA-256 (hex) of the last import line applied to the user: the same line again changes nothing. */
  @Column({ type: 'varchar', length: 64, nullable: true }) importedLineDigest: string | null;

  @Column({ type: 'varchar', length: 16, default: 'user' }) privilege: Privilege;

  /** Space-separated scopes; null means the default scope of the user's privilege. */
  @Column({ type: 'varchar', length: 1024, nullable: true }) scope: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true }) firstName: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) lastName: string | null;
  @Column({ type: 'varchar', length: 254, nullable: true }) email: string | null;
  @Column({ type: 'varchar', length: 1024, nullable: true }) description: string | null;

  /** SPKI PEM of the key that verifies `loginwithrsa` signatures. */
  @Column({ type: 'text', nullable: true }) publicKey: string | null;

  @Column({ type: 'boolean', default: true }) enabled: boolean;

  @Column({ type: Date, nullable: true }) lastLoginTime: Date | null;

  /** Consecutive failed password logins; five or more lock the account for a growing while. */
  @Column({ type: 'integer', default: 0 }) failedLoginCount: number;
  @Column({ type: Date, nullable: true }) lockedUntil: Date | null;

  /** Moves on every password change; sessions and user tokens issued before it are dead. */
  @Column({ type: Date }) credentialsChangedAt: Date;

  /**
   * Moves on every change that ends the user's access JWTs: a password set, a disable, a change
   * of privilege or scope. Each access JWT carries the version it was issued at (`cv`) and is
   * live only while it is still the user's: `iat` has whole seconds, too coarse to tell a token
   * from a change made in the same second, and a disable ends tokens for good, so re-enabling
   * must not revive them.
   */
  @Column({ type: 'integer', default: 0 }) credentialVersion: number;

  @ManyToMany(() => Group)
  @JoinTable({
    name: 'user_group',
    joinColumn: { name: 'userId' },
    inverseJoinColumn: { name: 'groupId' },
  })
  groups?: Group[];

  @CreateDateColumn() createdAt: Date;
  @UpdateDateColumn() updatedAt: Date;
}
