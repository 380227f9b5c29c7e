import { createHmac } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types.js';
import { type AuditEventInput, AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import { SecondFactorRequiredException } from '../common/errors/second-factor-required.exception.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { LOGIN_NAME_SECRET } from '../database/migrations/1764600000000-server-secrets.js';
import { PasswordHasher } from '../password-hashing/password-hasher.service.js';
import { PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import {
  type CodeProof,
  SecondFactorService,
  type StatementCondition,
} from '../credentials/second-factor/second-factor.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { usernameKey, UsersService } from '../user-store/users.service.js';
import type { LoginAttempt } from './login-attempt.js';
import { LoginLimiter } from './login-limiter.service.js';
import { LoginLockoutService, type LoginSubject } from './login-lockout.service.js';

type AuditDetail = Record<string, string | number | boolean>;

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

/**
 * How a check proves a code: judged and, when good, taken while `lock` (the lock's verdict, in
 * the statement that takes it) holds, at the check's instant.
 */
export type CodeProver<T> = (lock: StatementCondition, now: Date) => Promise<CodeProof<T>>;

const NOT_ENROLLED: CodeProof<never> = { verdict: 'not-enrolled' };

/** One attempt at the check: whose account, with what, and what for. */
interface Attempted<T> {
  /** The account by the name the request gave (a login, Basic), or the signed-in caller. */
  account: string | User;
  /** null: a code alone, from a caller who is signed in. */
  password: string | null;
  attempt: LoginAttempt;
  /** null: a login (the `login` event, and a success resets the count); else the change. */
  event: ProofEvent | null;
  prove: (user: User) => CodeProver<T>;
  codeField: string;
  /** The instant the whole check is judged at: every rule of time reads this one. */
  now: Date;
}

interface Proven<T> {
  user: User;
  /** What taking the code gave, when one was taken. */
  taken: T | null;
  /** A login's success, not yet recorded (null for a re-proof, which records none). */
  success: AuditEventInput | null;
}

/**
 * What a passkey sign-in is bound to: the portal browser whose page asked for its challenge
 * (browserBindingOf its form secret; none for other clients), and in the portal's second step
 * the user who proved the password, whose passkey the assertion must be.
 */
export interface PasskeyBinding {
  browser?: string | null;
  user?: User;
}

/** How one check's outcomes are recorded: its audit events, the lock's 429, a counted failure. */
interface Verdicts {
  eventOf: (outcome: 'success' | 'failure', detail?: AuditDetail) => AuditEventInput;
  refuseLocked: (seconds: number) => Promise<never>;
  fail: (reason: string, detail?: AuditDetail) => Promise<null>;
}

/** A login that passed the check, its success not yet recorded. */
export interface PassedLogin {
  user: User;
  /** The `login` success event, for the caller to record with its own events in one write. */
  success: AuditEventInput;
}

/**
 * The one password check of every API: the per-address limit, the per-account lock, the bcrypt
 * compare, the second factor, and the audit event, in that order, whichever route asked. A
 * login and an owner's re-proof (to add, replace or remove a credential) go through the same
 * steps and count towards the same lock; only a login's success resets the count, and only a
 * login is recorded as one. Each check reads the clock once and judges every rule of time (the
 * lock, the TOTP step, the audit time) at that instant.
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
    private readonly passkeys: PasskeysService,
    private readonly clock: Clock,
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
    const passed = await this.login(username, password, attempt, secondFactor, this.clock.now());
    if (!passed) return null;
    await this.audit.record(passed.success);
    return passed.user;
  }

  /**
   * check() at `now`, the instant of the caller's request, leaving the success to the caller to
   * record with what it does next (an access token's issue), in one write.
   */
  async login(
    username: string,
    password: string,
    attempt: LoginAttempt,
    secondFactor: SecondFactorInput,
    now: Date,
  ): Promise<PassedLogin | null> {
    const proven = await this.run({
      account: username,
      password,
      attempt,
      event: null,
      prove: (user) => (lock, at) => this.secondFactor.prove(user.id, secondFactor.code, lock, at),
      codeField: secondFactor.field,
      now,
    });
    return proven && { user: proven.user, success: proven.success! };
  }

  /**
   * The second request of a login made in two (the sign-in portal's): `user` proved the password
   * in the first, which asked for a code, and now gives the code alone. Judged as a login with
   * that code: the limit, the lock, a wrong code counted as a failure, and a success that resets
   * the count and is recorded as a login. The user, or null for a wrong code.
   */
  async completeLogin(
    user: User,
    code: string | null,
    attempt: LoginAttempt,
    codeField: string,
  ): Promise<User | null> {
    const proven = await this.run({
      account: user,
      password: null,
      attempt,
      event: null,
      prove: (found) => (lock, at) => this.secondFactor.prove(found.id, code, lock, at),
      codeField,
      now: this.clock.now(),
    });
    if (!proven) return null;
    await this.audit.record(proven.success!);
    return proven.user;
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
      prove: (user) => async (lock, at) =>
        code === undefined ? NOT_ENROLLED : this.secondFactor.prove(user.id, code, lock, at),
      codeField,
      now: this.clock.now(),
    });
    return proven?.user ?? null;
  }

  /**
   * A signed-in caller's code alone (confirming or turning off a factor), proved by `prove`: a
   * wrong one counts towards the lock as a wrong login code does, and a good one is taken (the
   * change it stands for made) in the statement that asks the lock. What taking it gave, or null
   * for a wrong code.
   */
  async proveCode<T>(
    user: User,
    attempt: LoginAttempt,
    event: ProofEvent,
    prove: CodeProver<T>,
  ): Promise<T | null> {
    const proven = await this.run({
      account: user,
      password: null,
      attempt,
      event,
      prove: () => prove,
      codeField: 'code',
      now: this.clock.now(),
    });
    return proven?.taken ?? null;
  }

  /**
   * A sign-in with a passkey: the assertion `response` answering the challenge `challengeId`
   * (null: the one its client data names), judged as a login is: the per-address limit, the lock
   * of the passkey's user (429 even for a good assertion), every refusal counted towards that
   * lock and audited with its reason (an assertion naming no stored passkey has no account to
   * count against, only the limit), a disabled user refused, and a success that resets the count.
   * A passkey with user verification is a complete sign-in: no second-factor code is asked.
   * The user with their success not yet recorded, or null.
   */
  async passkeyLogin(
    challengeId: string | null,
    response: unknown,
    attempt: LoginAttempt,
    binding: PasskeyBinding,
    now: Date,
  ): Promise<PassedLogin | null> {
    if (!attempt.limitCounted) await this.limiter.count('login', attempt.address);
    const asserted = await this.passkeys.credentialOf(response);
    const pending = binding.user;
    const user = pending
      ? await this.users.findById(pending.id)
      : asserted && (await this.users.findById(asserted.userId));
    // In a second step another user's passkey is none at all, and its failure is the pending user's.
    const passkey = asserted && user && asserted.userId === user.id ? asserted : null;
    const { eventOf, refuseLocked, fail } = this.verdictsOf({
      attempt,
      now,
      type: 'login',
      detail: { method: 'passkey', ...(passkey && { passkeyId: passkey.id }) },
      userId: user?.id ?? null,
      username: user?.username ?? null,
      subject: user ? { userId: user.id } : null,
    });
    if (user) {
      const lockedBefore = this.lockout.secondsLocked(user, now);
      if (lockedBefore > 0) return refuseLocked(lockedBefore);
    }
    const outcome = await this.passkeys.verifyAuthentication(
      challengeId,
      response,
      passkey,
      { browser: binding.browser, lock: user && this.lockout.unlockedCondition(user.id, now) },
      now,
    );
    switch (outcome.verdict) {
      case 'ok':
        break;
      case 'not-taken': {
        // Locked since the check began, or another use of this counter value was stored first.
        const lockedNow = await this.lockout.lockedForSeconds({ userId: user!.id }, now);
        if (lockedNow > 0) return refuseLocked(lockedNow);
        return fail('passkey-counter', { name: passkey!.name });
      }
      case 'counter':
        return fail('passkey-counter', { name: passkey!.name });
      case 'unknown-credential':
        return fail(asserted && user ? 'passkey-other-user' : 'passkey-unknown-credential');
      default:
        return fail(`passkey-${outcome.verdict}`);
    }
    if (!user!.enabled) {
      await this.audit.record(eventOf('failure', { reason: 'disabled' }));
      return null;
    }
    const lockedFor = await this.lockout.recordSuccess(user!.id, now);
    if (lockedFor > 0) return refuseLocked(lockedFor);
    return { user: user!, success: eventOf('success') };
  }

  /** passkeyLogin() now, its success recorded: the signed-in user, or null. */
  async checkPasskey(
    challengeId: string | null,
    response: unknown,
    attempt: LoginAttempt,
    binding: PasskeyBinding = {},
  ): Promise<User | null> {
    const passed = await this.passkeyLogin(
      challengeId,
      response,
      attempt,
      binding,
      this.clock.now(),
    );
    if (!passed) return null;
    await this.audit.record(passed.success);
    return passed.user;
  }

  /**
   * The steps every check takes. Each outcome is settled against the lock by one statement: a
   * failure is counted only while the account is not locked, a good code is taken only while it
   * is not (in the statement that takes it, so that a code is never spent on an attempt the lock
   * refuses), and a login's success clears the count only while it is not.
   */
  private async run<T>(attempted: Attempted<T>): Promise<Proven<T> | null> {
    const { attempt, event, now } = attempted;
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
    const { eventOf, refuseLocked, fail } = this.verdictsOf({
      attempt,
      now,
      type: event?.type ?? 'login',
      detail: event ? (event.detail ?? {}) : { method: 'password' },
      userId: user?.id ?? null,
      // A name no user has may be a password or a token typed into the wrong field.
      username: user || signedIn ? username : null,
      subject,
    });

    const lockedBefore = user
      ? this.lockout.secondsLocked(user, now)
      : await this.lockout.lockedForSeconds(subject, now);
    if (lockedBefore > 0) return refuseLocked(lockedBefore);
    let rehash = false;
    if (attempted.password !== null || !user) {
      const verified = await this.hasher.verifyLogin(
        attempted.password ?? '',
        user?.passwordHash ?? null,
      );
      if (!user || !verified.matches) return fail(user ? 'wrong-password' : 'unknown-user');
      rehash = verified.rehash;
    }
    // A disabled user is refused below as wrong credentials, with or without a code.
    const proof = user.enabled
      ? await attempted.prove(user)(this.lockout.unlockedCondition(user.id, now), now)
      : NOT_ENROLLED;
    const { verdict } = proof;
    if (verdict === 'missing' || verdict === 'wrong') {
      await fail(`second-factor-${verdict}`, { secondFactor: verdict });
      if (verdict === 'wrong') return null;
      throw new SecondFactorRequiredException(attempted.codeField);
    }
    if (proof.taken === null) {
      // Locked since the check began, or the code was taken by another request meanwhile.
      const lockedNow = await this.lockout.lockedForSeconds(subject, now);
      if (lockedNow > 0) return refuseLocked(lockedNow);
      return fail('second-factor-wrong', { secondFactor: 'wrong' });
    }
    if (proof.taken === undefined) {
      // No code was taken, so nothing has asked the lock since the password: it decides here.
      const lockedFor = event
        ? await this.lockout.lockedForSeconds(subject, now)
        : await this.lockout.recordSuccess(user.id, now);
      if (lockedFor > 0) return refuseLocked(lockedFor);
    } else if (!event) {
      // The statement that took the code let this login through; it clears the count unless a
      // lock has come since, which then stands for the next attempt.
      await this.lockout.recordSuccess(user.id, now);
    }
    if (!user.enabled) {
      await this.audit.record(eventOf('failure', { reason: 'disabled' }));
      return null;
    }
    const taken = proof.taken ?? null;
    if (event) return { user, taken, success: null };
    if (rehash) {
      await this.users.storeRehash(user, await this.hasher.hash(attempted.password!));
    }
    const success = eventOf('success', verdict === 'not-enrolled' ? {} : { secondFactor: verdict });
    return { user, taken, success };
  }

  /**
   * The outcomes of one check, each recorded alike: an audit event of `type` at the check's
   * instant with `detail` (and a name's keyed hash, when the subject is a name no user has); the
   * lock's refusal, audited; a failure counted towards the subject's lock unless it is locked
   * already (then the lock's refusal) and audited with its reason. Without a subject a failure
   * is only audited: the per-address limit is all it counts against.
   */
  private verdictsOf({
    attempt,
    now,
    type,
    detail: base,
    userId,
    username,
    subject,
  }: {
    attempt: LoginAttempt;
    now: Date;
    type: AuditEventType;
    detail: AuditDetail;
    userId: number | null;
    username: string | null;
    subject: LoginSubject | null;
  }): Verdicts {
    const eventOf = (outcome: 'success' | 'failure', detail: AuditDetail = {}) => ({
      type,
      outcome,
      api: attempt.api,
      userId,
      username,
      address: attempt.address,
      agent: attempt.agent,
      detail: { ...base, ...(subject && 'nameHash' in subject && subject), ...detail },
      time: now,
    });
    const refuseLocked = async (seconds: number): Promise<never> => {
      await this.audit.record(eventOf('failure', { locked: true }));
      throw new TooManyAttemptsException(seconds);
    };
    const fail = async (reason: string, detail: AuditDetail = {}): Promise<null> => {
      const lockedFor = subject ? await this.lockout.recordFailure(subject, now) : 0;
      if (lockedFor > 0) return refuseLocked(lockedFor);
      await this.audit.record(eventOf('failure', { reason, ...detail }));
      return null;
    };
    return { eventOf, refuseLocked, fail };
  }

  /** A login name as it may be kept when no user has it: keyed, so that no list reverses it. */
  private nameHash(key: string): string {
    return createHmac('sha256', this.nameSecret).update(key).digest('base64url');
  }
}
