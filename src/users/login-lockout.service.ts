import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { isUniqueViolation } from '../database/database-errors.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import { LoginFailure } from './entities/login-failure.entity.js';
import { User } from './entities/user.entity.js';

/** Consecutive failures from which an account locks (issue #5). */
export const LOCKOUT_THRESHOLD = 5;

/** Whose failures count: an account, or a name no user has (which locks all the same). */
export type LoginSubject = { user: User } | { usernameKey: string };

/**
 * The brute-force lock, the same for every password path of every API: from the fifth
 * consecutive failure the name is locked for LOCKOUT_BASE_SECONDS, doubling with each further
 * failure up to LOCKOUT_MAX_SECONDS; a success clears it. The state is in the database (the user
 * row, or login_failure for unknown names), so every instance sees it, and an unknown name locks
 * exactly like a real one, so that the lock tells no one which names exist.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly config: AppConfig,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(LoginFailure) private readonly failures: Repository<LoginFailure>,
  ) {}

  /** Seconds until the subject may try again, or 0 when it is not locked. */
  async lockedForSeconds(subject: LoginSubject): Promise<number> {
    const state =
      'user' in subject
        ? subject.user
        : await this.failures.findOneBy({ usernameKey: subject.usernameKey });
    const remaining = (state?.lockedUntil?.getTime() ?? 0) - Date.now();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  async recordFailure(subject: LoginSubject): Promise<void> {
    const failures =
      'user' in subject
        ? await this.countUserFailure(subject.user.id)
        : await this.countNameFailure(subject.usernameKey);
    if (failures < LOCKOUT_THRESHOLD) return;
    const { baseSeconds, maxSeconds } = this.config.lockout;
    const seconds = Math.min(
      baseSeconds * 2 ** Math.min(failures - LOCKOUT_THRESHOLD, 30),
      maxSeconds,
    );
    const lockedUntil = new Date(Date.now() + seconds * 1000);
    if ('user' in subject) await this.users.update({ id: subject.user.id }, { lockedUntil });
    else await this.failures.update({ usernameKey: subject.usernameKey }, { lockedUntil });
  }

  async recordSuccess(user: User): Promise<void> {
    if (user.failedLoginCount === 0 && user.lockedUntil === null) return;
    await this.users.update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null });
  }

  /**
   * Forgets the names that have not failed for longer than the longest lock, and are not locked;
   * returns how many. Names keep their count until then, as accounts do.
   */
  purgeQuietNames(): Promise<number> {
    const now = Date.now();
    return deleteInBatches(
      this.failures,
      '("lastFailureAt" < :quietSince OR "lastFailureAt" IS NULL) AND ' +
        '("lockedUntil" < :now OR "lockedUntil" IS NULL)',
      {
        quietSince: new Date(now - this.config.lockout.maxSeconds * 1000),
        now: new Date(now),
      },
    );
  }

  /** Incremented in the database, so that concurrent failures on several instances all count. */
  private async countUserFailure(id: number): Promise<number> {
    await this.users.increment({ id }, 'failedLoginCount', 1);
    const row = await this.users.findOne({
      select: { id: true, failedLoginCount: true },
      where: { id },
    });
    return row?.failedLoginCount ?? 0;
  }

  private async countNameFailure(usernameKey: string): Promise<number> {
    const lastFailureAt = new Date();
    try {
      await this.failures.insert({
        usernameKey,
        failedLoginCount: 1,
        lockedUntil: null,
        lastFailureAt,
      });
      return 1;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    await this.failures.update(
      { usernameKey },
      { failedLoginCount: () => '"failedLoginCount" + 1', lastFailureAt },
    );
    return (await this.failures.findOneBy({ usernameKey }))?.failedLoginCount ?? 0;
  }
}
