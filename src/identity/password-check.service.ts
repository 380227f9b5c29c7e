import { createHmac } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { LOGIN_NAME_SECRET } from '../database/migrations/1764600000000-server-secrets.js';
import { PasswordHasher } from '../passwords/password-hasher.service.js';
import { SecondFactorService } from '../second-factor/second-factor.service.js';
import type { User } from '../users/entities/user.entity.js';
import { usernameKey, UsersService } from '../users/users.service.js';
import type { LoginAttempt } from './login-attempt.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService, type LoginSubject } from './login-lockout.service.js';

type AuditDetail = Record<string, string | boolean>;

/**
 * What a password check asks of a second factor. At a login: the code the request carried (null
 * when none) and where its API takes one, which the answer asking for a code names.
 * `'signed-in'`: a caller who is signed in already gives the password again (to change it, or to
 * enrol a factor), and no code is asked.
 */
export type SecondFactorInput = { code: string | null; field: string } | 'signed-in';

/**
 * The one password check of every API: the per-address limit, the per-account lock, the bcrypt
 * compare, and the `login` audit event, in that order, whichever route asked.
 */
@Injectable()
export class PasswordCheckService implements OnModuleInit {
  private nameSecret!: Buffer;

  constructor(
    private readonly hasher: PasswordHasher,
    private readonly users: UsersService,
    private readonly lockout: LoginLockoutService,
    private readonly limiter: LoginLimiter,
    private readonly audit: AuditService,
    private readonly secondFactor: SecondFactorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT "value" FROM "server_secret" WHERE "name" = '${LOGIN_NAME_SECRET}'`,
    )) as { value: string }[];
    this.nameSecret = Buffer.from(row.value, 'base64');
  }

  /**
   * The enabled user with these credentials, or null. Unknown users cost the same bcrypt compare
   * as known ones and lock alike; a locked account is refused (429) even with the right password,
   * however many requests are in flight; a hash made at a lower cost than configured is upgraded
   * on success. A user with a second factor on needs a good code as well (SPEC §7): the right
   * password without one is asked for it (SecondFactorRequiredException), with a wrong or used
   * one is wrong credentials, and both count as failures towards the lock.
   */
  async check(
    username: string,
    password: string,
    attempt: LoginAttempt,
    secondFactor: SecondFactorInput,
  ): Promise<User | null> {
    if (!attempt.limitCounted) await this.limiter.count('login', attempt.address);
    const user = await this.users.findByUsername(username);
    const subject: LoginSubject = user
      ? { userId: user.id }
      : { nameHash: this.nameHash(usernameKey(username)) };
    const audit = (outcome: 'success' | 'failure', detail: AuditDetail = {}) =>
      this.audit.record({
        type: 'login',
        outcome,
        api: attempt.api,
        userId: user?.id ?? null,
        // A name no user has may be a password or a token typed into the wrong field.
        username: user ? username : null,
        address: attempt.address,
        agent: attempt.agent,
        detail: { method: 'password', ...('nameHash' in subject && subject), ...detail },
      });
    const refuseLocked = async (seconds: number): Promise<never> => {
      await audit('failure', { locked: true });
      throw new TooManyAttemptsException(seconds);
    };

    const lockedBefore = user
      ? this.lockout.secondsLocked(user)
      : await this.lockout.lockedForSeconds(subject);
    if (lockedBefore > 0) return refuseLocked(lockedBefore);
    const matches = await this.hasher.verify(password, user?.passwordHash ?? null);
    if (!user || !matches) {
      const lockedFor = await this.lockout.recordFailure(subject);
      if (lockedFor > 0) return refuseLocked(lockedFor);
      await audit('failure', { reason: user ? 'wrong-password' : 'unknown-user' });
      return null;
    }
    // A disabled user is refused below as wrong credentials, with or without a code.
    const login = secondFactor === 'signed-in' || !user.enabled ? null : secondFactor;
    const verdict = login
      ? await this.secondFactor.verifyAtLogin(user.id, login.code)
      : 'not-enrolled';
    if (login && (verdict === 'missing' || verdict === 'wrong')) {
      const lockedFor = await this.lockout.recordFailure(subject);
      if (lockedFor > 0) return refuseLocked(lockedFor);
      await audit('failure', { reason: `second-factor-${verdict}`, secondFactor: verdict });
      if (verdict === 'wrong') return null;
      throw new SecondFactorRequiredException(login.field);
    }
    const lockedFor = await this.lockout.recordSuccess(user.id);
    if (lockedFor > 0) return refuseLocked(lockedFor);
    if (!user.enabled) {
      await audit('failure', { reason: 'disabled' });
      return null;
    }
    if (this.hasher.needsRehash(user.passwordHash, password)) {
      await this.users.storeRehash(user, await this.hasher.hash(password));
    }
    await audit('success', verdict === 'not-enrolled' ? {} : { secondFactor: verdict });
    return user;
  }

  /** A login name as it may be kept when no user has it: keyed, so that no list reverses it. */
  private nameHash(key: string): string {
    return createHmac('sha256', this.nameSecret).update(key).digest('base64url');
  }
}
