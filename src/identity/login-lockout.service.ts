import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { runStatement } from '../database/atomic-statement.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import type { StatementCondition } from '../credentials/second-factor/second-factor.service.js';
import { LoginFailure } from '../user-store/entities/login-failure.entity.js';
import { User } from '../user-store/entities/user.entity.js';

/** Consecutive failures from which an account locks. */
export const LOCKOUT_THRESHOLD = 5;
/** Doublings of the lock after which it grows no more, whatever LOCKOUT_MAX_SECONDS says. */
const MAX_DOUBLINGS = 30;

/**
 * Whose failures count: an account, or a name no user has, kept only as its keyed hash (it may be
 * a password typed into the wrong field), which locks all the same.
 */
export type LoginSubject = { userId: number } | { nameHash: string };

/** The lock columns, as a row or an entity holds them. */
export interface LockState {
  failedLoginCount: number;
  lockedUntil: Date | string | null;
}

/**
 * The brute-force lock, the same for every password path of every API: from the fifth
 * consecutive failure the name is locked for LOCKOUT_BASE_SECONDS, doubling with each further
 * failure up to LOCKOUT_MAX_SECONDS; a success clears it. The state is in the database (the user
 * row, or login_failure for unknown names), so every instance sees it, and an unknown name locks
 * exactly like a real one, so that the lock tells no one which names exist.
 *
 * Every outcome is settled by one statement that reads and writes the state at once, after the
 * password was compared: a failure is counted only while the subject is not locked, and a success
 * clears the count only while it is not locked. So a burst of concurrent guesses, on one instance
 * or several, gets the lock's answer from the moment the threshold is recorded, whatever it read
 * before its compare, while correct logins arriving together with no failure recorded all pass.
 * Each is judged at the `now` its caller gives: the instant its check read once.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(LoginFailure) private readonly failures: Repository<LoginFailure>,
  ) {}

  /** Seconds after `now` until a subject in `state` may try again, or 0 when it is not locked. */
  secondsLocked(state: LockState | null, now: Date): number {
    if (!state || state.failedLoginCount < LOCKOUT_THRESHOLD || state.lockedUntil === null)
      return 0;
    const remaining = new Date(state.lockedUntil).getTime() - now.getTime();
    return remaining > 0 ? Math.ceil(remaining / 1000) : 0;
  }

  /** The subject's lock as stored now: seconds until it may try again after `now`, or 0. */
  async lockedForSeconds(subject: LoginSubject, now: Date): Promise<number> {
    return this.secondsLocked(await this.stateOf(subject), now);
  }

  /**
   * Counts a failure unless the subject is locked already. Answers 0 when it was counted (the
   * caller answers "wrong credentials"), else the seconds the lock has left (the caller answers
   * the lock's 429, and nothing was learnt).
   */
  async recordFailure(subject: LoginSubject, now: Date): Promise<number> {
    const table = 'userId' in subject ? '"user"' : '"failure"';
    const lockEnd = this.lockEnd(table, now);
    const { rows } =
      'userId' in subject
        ? await this.statement(
            `UPDATE "user" SET "failedLoginCount" = "failedLoginCount" + 1, ` +
              `"lockedUntil" = ${lockEnd.sql} ` +
              `WHERE "id" = :id AND NOT ${LOCKED('"user"')} RETURNING "failedLoginCount"`,
            { id: subject.userId, ...lockEnd.ends },
            now,
          )
        : await this.statement(
            `INSERT INTO "login_failure" AS "failure" ` +
              `("usernameKey", "failedLoginCount", "lockedUntil", "lastFailureAt") ` +
              `VALUES (:nameHash, 1, NULL, :now) ON CONFLICT ("usernameKey") DO UPDATE SET ` +
              `"failedLoginCount" = "failure"."failedLoginCount" + 1, ` +
              `"lockedUntil" = ${lockEnd.sql}, "lastFailureAt" = :now ` +
              `WHERE NOT ${LOCKED('"failure"')} RETURNING "failedLoginCount"`,
            { nameHash: subject.nameHash, ...lockEnd.ends },
            now,
          );
    return rows.length > 0 ? 0 : Math.max(1, await this.lockedForSeconds(subject, now));
  }

  /**
   * Clears the count of a user who gave the right password, unless the account is locked.
   * Answers 0 when the login may go on, else the seconds the lock has left.
   */
  async recordSuccess(userId: number, now: Date): Promise<number> {
    const state = await this.stateOf({ userId });
    const lockedFor = this.secondsLocked(state, now);
    if (lockedFor > 0 || !state || (state.failedLoginCount === 0 && state.lockedUntil === null)) {
      return lockedFor;
    }
    const { affected } = await this.statement(
      `UPDATE "user" SET "failedLoginCount" = 0, "lockedUntil" = NULL ` +
        `WHERE "id" = :id AND NOT ${LOCKED('"user"')}`,
      { id: userId },
      now,
    );
    return affected > 0 ? 0 : Math.max(1, await this.lockedForSeconds({ userId }, now));
  }

  /**
   * Lifts the user's lock and forgets their failures, whatever the lock says (an admin's unlock);
   * answers the state it cleared, or null when no user has the id.
   */
  async clear(userId: number): Promise<LockState | null> {
    const state = await this.stateOf({ userId });
    await this.users.update({ id: userId }, { failedLoginCount: 0, lockedUntil: null });
    return state;
  }

  /**
   * The lock's verdict as a condition another statement adds (taking a second-factor code,
   * turning a factor on or off): that statement changes nothing while the user is locked, so the
   * verdict and the change are one step, however many failures arrive meanwhile.
   */
  unlockedCondition(userId: number, now: Date): StatementCondition {
    return {
      sql: `NOT EXISTS (SELECT 1 FROM "user" "lock" WHERE "lock"."id" = :lockUserId AND ${LOCKED('"lock"', ':lockNow')})`,
      parameters: { lockUserId: userId, lockNow: now },
    };
  }

  /**
   * Forgets the names that have not failed for longer than the longest lock, and are not locked;
   * returns how many. Names keep their count until then, as accounts do.
   */
  purgeQuietNames(): Promise<number> {
    const now = this.clock.nowMs();
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

  private stateOf(subject: LoginSubject): Promise<LockState | null> {
    const select = { failedLoginCount: true, lockedUntil: true } as const;
    return 'userId' in subject
      ? this.users.findOne({ select, where: { id: subject.userId } })
      : this.failures.findOne({ select, where: { usernameKey: subject.nameHash } });
  }

  private statement(sql: string, parameters: Record<string, unknown>, now: Date) {
    return runStatement(this.dataSource, sql, { ...parameters, now });
  }

  /**
   * The lock's end after one more failure of the row in `table`: unchanged below the threshold,
   * then LOCKOUT_BASE_SECONDS doubling with each failure up to LOCKOUT_MAX_SECONDS. The ends are
   * worked out here and passed as parameters, so that the statement needs no date arithmetic of
   * either database.
   */
  private lockEnd(table: string, at: Date): { sql: string; ends: Record<string, Date> } {
    const count = `${table}."failedLoginCount" + 1`;
    const { baseSeconds, maxSeconds } = this.config.lockout;
    const now = at.getTime();
    const arms = [`WHEN ${count} < ${LOCKOUT_THRESHOLD} THEN ${table}."lockedUntil"`];
    const ends: Record<string, Date> = {};
    let seconds = Math.min(baseSeconds, maxSeconds);
    let step = 0;
    for (; step < MAX_DOUBLINGS && seconds < maxSeconds; step += 1) {
      ends[`lockEnd${step}`] = new Date(now + seconds * 1000);
      arms.push(`WHEN ${count} = ${LOCKOUT_THRESHOLD + step} THEN :lockEnd${step}`);
      seconds = Math.min(seconds * 2, maxSeconds);
    }
    ends[`lockEnd${step}`] = new Date(now + seconds * 1000);
    return { sql: `CASE ${arms.join(' ')} ELSE :lockEnd${step} END`, ends };
  }
}

/** Whether the row in `table` is locked at the statement's `now` parameter. */
const LOCKED = (table: string, now = ':now') =>
  `(${table}."failedLoginCount" >= ${LOCKOUT_THRESHOLD} AND ${table}."lockedUntil" > ${now})`;
