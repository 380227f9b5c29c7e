import { createHmac } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types.js';
import { AuditService } from '../audit/audit.service.js';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { LOGIN_NAME_SECRET } from '../database/migrations/1764600000000-server-secrets.js';
import { PasswordHasher } from '../password-hashing/password-hasher.service.js';
import {
  type CodeJudgement,
  SecondFactorService,
} from '../credentials/second-factor/second-factor.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { usernameKey, UsersService } from '../user-store/users.service.js';
import type { LoginAttempt } from './login-attempt.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService, type LoginSubject } from './login-lockout.service.js';

type AuditDetail = Record<string, string | boolean>;

/**
 * The code a login carried (null when none), and where its API takes one, which the answer
 * asking for a code names.
 */
export interface SecondFactorInput {
  code: string | null;
  field: string;
}

/**
 * What an owner gives again to change a credential of theirs: the current password, and a code
 * when a second factor is on. `code` left out: none is asked (enrolling a factor, which is only
 * possible while none is on).
 */
export interface OwnerProof {
  password: string;
  code?: string | null;
}

/** The change a re-proof is for: its failures are recorded as this audit event. */
export interface ProofEvent {
  type: AuditEventType;
  detail?: AuditDetail;
}

const NOT_ENROLLED: CodeJudgement<never> = { verdict: 'not-enrolled' };

/** One attempt at the check: whose account, with what, and what for. */
interface Attempted<T> {
  /** The account by the name the request gave (a login, Basic), or the signed-in caller. */
  account: string | User;
  /** null: a code alone, from a caller who is signed in. */
  password: string | null;
  attempt: LoginAttempt;
  /** null: a login (the `login` event, and a success resets the count); else the change. */
  event: ProofEvent | null;
  judge: (user: User) => Promise<CodeJudgement<T>>;
  codeField: string;
}

interface Proven<T> {
  user: User;
  /** What taking the code gave, when one was taken. */
  taken: T | null;
}

/**
 * The one password check of every API: the per-address limit, the per-account lock, the bcrypt
 * compare, the second factor, and the audit event, in that order, whichever route asked. A
 * login and an owner's re-proof (to add, replace or remove a credential) go through the same
 * steps and count towards the same lock; only a login's success resets the count, and only a
 * login is recorded as one.
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
   * A login: the enabled user with these credentials, or null. Unknown users cost the same
   * bcrypt compare as known ones and lock alike; a locked account is refused (429) even with the
   * right password, however many requests are in flight; a hash made at a lower cost than
   * configured is upgraded on success. A user with a second factor on needs a good code as well:
   * the right password without one is asked for it (SecondFactorRequiredException), with a wrong
   * or used one is wrong credentials, and both count as failures towards the lock.
   */
  async check(
    username: string,
    password: string,
    attempt: LoginAttempt,
    secondFactor: SecondFactorInput,
  ): Promise<User | null> {
    const proven = await this.run({
      account: username,
      password,
      attempt,
      event: null,
      judge: (user) => this.secondFactor.judge(user.id, secondFactor.code),
      codeField: secondFactor.field,
    });
    return proven?.user ?? null;
  }

  /**
   * An owner proving the password again (and a code, when asked and a factor is on) before a
   * credential of theirs changes: judged as a login is, failures counted and refused alike, but
   * a success resets nothing and is no login. The user, or null for wrong credentials.
   */
  async reprove(
    account: string | User,
    proof: OwnerProof,
    attempt: LoginAttempt,
    event: ProofEvent,
    codeField = 'code',
  ): Promise<User | null> {
    const { code } = proof;
    const proven = await this.run({
      account,
      password: proof.password,
      attempt,
      event,
      judge: async (user) =>
        code === undefined ? NOT_ENROLLED : this.secondFactor.judge(user.id, code),
      codeField,
    });
    return proven?.user ?? null;
  }

  /**
   * A signed-in caller's code alone (confirming or turning off a factor), judged by `judge`: a
   * wrong one counts towards the lock as a wrong login code does, and a good one is taken (the
   * change it stands for made) in the statement that asks the lock. What taking it gave, or null
   * for a wrong code.
   */
  async proveCode<T>(
    user: User,
    attempt: LoginAttempt,
    event: ProofEvent,
    judge: () => Promise<CodeJudgement<T>>,
  ): Promise<T | null> {
    const proven = await this.run({
      account: user,
      password: null,
      attempt,
      event,
      judge,
      codeField: 'code',
    });
    return proven?.taken ?? null;
  }

  /**
   * The steps every check takes. Each outcome is settled against the lock by one statement: a
   * failure is counted only while the account is not locked, a login's success clears the count
   * only while it is not, and a good code is taken only while it is not, so that a code is never
   * spent on an attempt the lock refuses.
   */
  private async run<T>(attempted: Attempted<T>): Promise<Proven<T> | null> {
    const { attempt, event } = attempted;
    if (!attempt.limitCounted) await this.limiter.count('login', attempt.address);
    const signedIn = typeof attempted.account !== 'string';
    const username =
      typeof attempted.account === 'string' ? attempted.account : attempted.account.username;
    const user =
      typeof attempted.account === 'string'
        ? await this.users.findByUsername(attempted.account)
        : await this.users.findById(attempted.account.id);
    const subject: LoginSubject = user
      ? { userId: user.id }
      : { nameHash: this.nameHash(usernameKey(username)) };
    const audit = (outcome: 'success' | 'failure', detail: AuditDetail = {}) =>
      this.audit.record({
        type: event?.type ?? 'login',
        outcome,
        api: attempt.api,
        userId: user?.id ?? null,
        // A name no user has may be a password or a token typed into the wrong field.
        username: user || signedIn ? username : null,
        address: attempt.address,
        agent: attempt.agent,
        detail: {
          ...(event ? event.detail : { method: 'password' }),
          ...('nameHash' in subject && subject),
          ...detail,
        },
      });
    const refuseLocked = async (seconds: number): Promise<never> => {
      await audit('failure', { locked: true });
      throw new TooManyAttemptsException(seconds);
    };
    const fail = async (reason: string, detail: AuditDetail = {}): Promise<null> => {
      const lockedFor = await this.lockout.recordFailure(subject);
      if (lockedFor > 0) return refuseLocked(lockedFor);
      await audit('failure', { reason, ...detail });
      return null;
    };

    const lockedBefore = user
      ? this.lockout.secondsLocked(user)
      : await this.lockout.lockedForSeconds(subject);
    if (lockedBefore > 0) return refuseLocked(lockedBefore);
    if (attempted.password !== null || !user) {
      const matches = await this.hasher.verify(
        attempted.password ?? '',
        user?.passwordHash ?? null,
      );
      if (!user || !matches) return fail(user ? 'wrong-password' : 'unknown-user');
    }
    // A disabled user is refused below as wrong credentials, with or without a code.
    const judgement = user.enabled ? await attempted.judge(user) : NOT_ENROLLED;
    const { verdict } = judgement;
    if (verdict === 'missing' || verdict === 'wrong') {
      await fail(`second-factor-${verdict}`, { secondFactor: verdict });
      if (verdict === 'wrong') return null;
      throw new SecondFactorRequiredException(attempted.codeField);
    }
    const lockedFor = event
      ? await this.lockout.lockedForSeconds(subject)
      : await this.lockout.recordSuccess(user.id);
    if (lockedFor > 0) return refuseLocked(lockedFor);
    if (!user.enabled) {
      await audit('failure', { reason: 'disabled' });
      return null;
    }
    let taken: T | null = null;
    if (judgement.take) {
      taken = await judgement.take(this.lockout.unlockedCondition(user.id));
      if (taken === null) {
        // Locked since the verdict above, or the code was taken by another request meanwhile.
        const lockedNow = await this.lockout.lockedForSeconds(subject);
        if (lockedNow > 0) return refuseLocked(lockedNow);
        return fail('second-factor-wrong', { secondFactor: 'wrong' });
      }
    }
    if (event) return { user, taken };
    if (this.hasher.needsRehash(user.passwordHash, attempted.password!)) {
      await this.users.storeRehash(user, await this.hasher.hash(attempted.password!));
    }
    await audit('success', verdict === 'not-enrolled' ? {} : { secondFactor: verdict });
    return { user, taken };
  }

  /** A login name as it may be kept when no user has it: keyed, so that no list reverses it. */
  private nameHash(key: string): string {
    return createHmac('sha256', this.nameSecret).update(key).digest('base64url');
  }
}
