import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { User } from './entities/user.entity.js';

/** Consecutive failures from which an account locks (issue #5). */
export const LOCKOUT_THRESHOLD = 5;

/**
 * The per-account brute-force lock, the same for every password path of every API: from the
 * fifth consecutive failure the account is locked for LOCKOUT_BASE_SECONDS, doubling with each
 * further failure up to LOCKOUT_MAX_SECONDS; a success clears it. The state is in the user row,
 * so every instance sees it.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly config: AppConfig,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** Seconds until the account may try again, or 0 when it is not locked. */
  lockedForSeconds(user: User): number {
    const remaining = (user.lockedUntil?.getTime() ?? 0) - Date.now();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  async recordFailure(user: User): Promise<void> {
    // Incremented in the database, so that concurrent failures on several instances all count.
    await this.users.increment({ id: user.id }, 'failedLoginCount', 1);
    const current = await this.users.findOne({
      select: { id: true, failedLoginCount: true },
      where: { id: user.id },
    });
    const failures = current?.failedLoginCount ?? 0;
    if (failures < LOCKOUT_THRESHOLD) return;
    const { baseSeconds, maxSeconds } = this.config.lockout;
    const seconds = Math.min(
      baseSeconds * 2 ** Math.min(failures - LOCKOUT_THRESHOLD, 30),
      maxSeconds,
    );
    await this.users.update(
      { id: user.id },
      { lockedUntil: new Date(Date.now() + seconds * 1000) },
    );
  }

  async recordSuccess(user: User): Promise<void> {
    if (user.failedLoginCount === 0 && user.lockedUntil === null) return;
    await this.users.update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null });
  }
}
