import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Failed-login state of a username no user has. It locks exactly as an account does, so that the
 * lock cannot tell an attacker which names exist.
 */
@Entity('login_failure')
export class LoginFailure {
  @PrimaryColumn({ type: 'text' }) usernameKey: string;
  @Column({ type: 'integer', default: 0 }) failedLoginCount: number;
  @Column({ type: Date, nullable: true }) lockedUntil: Date | null;
  @Column({ type: Date, nullable: true }) lastFailureAt: Date | null;
}
