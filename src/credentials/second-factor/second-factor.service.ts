import { randomInt } from 'node:crypto';
import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { DataSource, type EntityManager, In, IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import { runStatement } from '../../database/atomic-statement.js';
import { RecoveryCode } from './entities/recovery-code.entity.js';
import { TotpFactor } from './entities/totp-factor.entity.js';
import { TotpSecrets } from './totp-secrets.service.js';
import {
  BY_USER,
  type ChangeOrigin,
  type SecurityChange,
  SecurityEventFacts,
} from '../../security-events/security-event-facts.js';

/** RFC 6238 as authenticator apps compute it: HMAC-SHA-1, 6 digits, 30-second steps. */
const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Steps either side of now whose codes are taken, for the drift of a phone's clock. */
const CLOCK_SKEW_STEPS = 1;
/** 160 bits, the size RFC 4226 recommends and authenticator apps expect. */
const SECRET_BYTES = 20;
const RECOVERY_CODE_COUNT = 10;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

const TOTP_CODE = /^[0-9]{6}$/;
const RECOVERY_CODE = /^[a-z2-7]{10}$/;

/** What a login's code proved: which kind of code let it in, or why none did. */
export type SecondFactorVerdict = 'not-enrolled' | 'totp' | 'recovery-code' | 'missing' | 'wrong';

/** A condition in SQL, with its parameters, that a statement taking a code adds to its WHERE. */
export interface StatementCondition {
  sql: string;
  parameters: Record<string, unknown>;
}

/**
 * A code as proved: its verdict and, for a good one, what taking it gave. A good code is taken in
 * the one statement that also asks the caller's condition (the lock's verdict, so that nothing is
 * taken once the account is locked); `taken` is null when it was not taken (another request took
 * it first, or the condition did not hold).
 */
export interface CodeProof<T = true> {
  verdict: SecondFactorVerdict;
  /** Only for a good code (`totp`, `recovery-code`). */
  taken?: T | null;
}

/** A good code, found but not taken: the step of a TOTP, or the keyed hash of a recovery code. */
type GoodCode = { kind: 'totp'; step: number } | { kind: 'recovery-code'; hash: string };

const WRONG: CodeProof<never> = { verdict: 'wrong' };

/** The factor's last used step is before `:step`: a code of that step has not been taken yet. */
const STEP_UNUSED = '("lastUsedStep" IS NULL OR "lastUsedStep" < :step)';
/** The recovery code of hash `:hash` is the user's and unused. */
const RECOVERY_CODE_UNUSED =
  'EXISTS (SELECT 1 FROM "totp_recovery_code" "code" WHERE "code"."userId" = :userId ' +
  'AND "code"."codeHash" = :hash AND "code"."usedAt" IS NULL)';

export interface TotpEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

/**
 * A code as a person types it: a TOTP without its spaces, or a recovery code without its dash and
 * case; null when it has the shape of neither.
 */
function readCode(code: string): { kind: 'totp' | 'recovery-code'; value: string } | null {
  const compact = code.replace(/[\s-]/g, '').toLowerCase();
  if (TOTP_CODE.test(compact)) return { kind: 'totp', value: compact };
  if (RECOVERY_CODE.test(compact)) return { kind: 'recovery-code', value: compact };
  return null;
}

function newRecoveryCode(): string {
  const characters = Array.from({ length: 10 }, () => BASE32[randomInt(BASE32.length)]);
  return `${characters.slice(0, 5).join('')}-${characters.slice(5).join('')}`;
}

/**
 * The TOTP second factor: enrolment, confirmation, turning off, and the proof of a code. A code
 * is judged and, when good, taken in the same call, by one statement that reads and writes at
 * once and asks the lock's condition the caller gives: a TOTP is taken once (none of its step or
 * an earlier one again) and a recovery code once ever, so that two requests racing with one code
 * cannot both pass, and none is taken while the account is locked.
 */
@Injectable()
export class SecondFactorService {
  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly secrets: TotpSecrets,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(TotpFactor) private readonly factors: Repository<TotpFactor>,
    @InjectRepository(RecoveryCode) private readonly recoveryCodes: Repository<RecoveryCode>,
    private readonly facts: SecurityEventFacts,
  ) {}

  /** Whether logins of `userId` need a code. */
  async isOn(userId: number): Promise<boolean> {
    return this.factors.existsBy({ userId, enabledAt: Not(IsNull()) });
  }

  /** Which of `userIds` have the second factor on. */
  async onAmong(userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.factors.find({
      select: { userId: true },
      where: { userId: In(userIds), enabledAt: Not(IsNull()) },
    });
    return new Set(rows.map((row) => row.userId));
  }

  /**
   * The code a password login or a re-proof of `userId` carried at `now` (null: none), judged; a
   * good one is taken while `lock` holds.
   */
  async prove(
    userId: number,
    code: string | null,
    lock: StatementCondition,
    now: Date,
  ): Promise<CodeProof> {
    const factor = await this.factors.findOneBy({ userId, enabledAt: Not(IsNull()) });
    if (!factor) return { verdict: 'not-enrolled' };
    if (code === null || code === '') return { verdict: 'missing' };
    const good = await this.goodCode(factor, code, now);
    return good ? { verdict: good.kind, taken: await this.take(good, userId, lock, now) } : WRONG;
  }

  /**
   * A new secret for `username`, pending until confirmed: it replaces a pending one, and is
   * refused (409) while a factor is on. Until confirmed, logins go on as before.
   */
  async startEnrolment(userId: number, username: string): Promise<TotpEnrolment> {
    const secret = new Secret({ size: SECRET_BYTES });
    const encryptedSecret = this.secrets.encrypt(userId, Buffer.from(secret.bytes));
    const { rows } = await runStatement(
      this.dataSource,
      `INSERT INTO "totp_factor" AS "factor" ("userId", "encryptedSecret", "enabledAt", "lastUsedStep", "createdAt") ` +
        `VALUES (:userId, :encryptedSecret, NULL, NULL, :now) ON CONFLICT ("userId") DO UPDATE SET ` +
        `"encryptedSecret" = :encryptedSecret, "lastUsedStep" = NULL, "createdAt" = :now ` +
        `WHERE "factor"."enabledAt" IS NULL RETURNING "userId"`,
      { userId, encryptedSecret, now: this.clock.now() },
    );
    if (rows.length === 0) throw new ConflictException('A second factor is on already');
    const otpauthUri = new TOTP({
      ...TOTP_PARAMETERS,
      issuer: this.config.totp.issuer,
      label: username,
      secret,
    }).toString();
    return {
      secret: secret.base32,
      otpauthUri,
      qrCodeSvg: await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M' }),
    };
  }

  /** Refuses (503, naming the setting) while second factors cannot be used on this instance. */
  assertAvailable(): void {
    this.secrets.assertAvailable();
  }

  /**
   * A first code of the pending secret at `now`, judged; a good one, taken while `lock` holds,
   * turns the factor on and answers its ten recovery codes (their clear text exists only in that
   * answer). 409 when no enrolment is pending.
   */
  async proveConfirmation(
    userId: number,
    code: string,
    lock: StatementCondition,
    now: Date,
  ): Promise<CodeProof<string[]>> {
    const pending = await this.factors.findOneBy({ userId, enabledAt: IsNull() });
    if (!pending) {
      throw new ConflictException('No enrolment is pending: start one with POST /api/me/totp');
    }
    const read = readCode(code);
    const step = read?.kind === 'totp' ? this.stepOf(pending, read.value, now) : null;
    if (step === null) return WRONG;
    return { verdict: 'totp', taken: await this.turnOn(pending, step, lock, now) };
  }

  /**
   * A code (TOTP or recovery) at `now` to turn the factor off with, judged; a good one, taken
   * while `lock` holds, removes the factor with its recovery codes. 409 when no factor is on.
   */
  async proveRemoval(
    userId: number,
    code: string,
    lock: StatementCondition,
    now: Date,
  ): Promise<CodeProof> {
    const factor = await this.factors.findOneBy({ userId, enabledAt: Not(IsNull()) });
    if (!factor) throw new ConflictException('No second factor is on');
    const good = await this.goodCode(factor, code, now);
    return good
      ? { verdict: good.kind, taken: await this.removeWith(good, userId, lock, now) }
      : WRONG;
  }

  /**
   * Removes a user's factor, on or pending, with its recovery codes, as a change of its own or as
   * part of `by`'s; receivers are told when one was on. Whether one was.
   */
  remove(userId: number, by: ChangeOrigin | SecurityChange): Promise<boolean> {
    return this.facts.within(this.dataSource.manager, by, async (change) => {
      const { manager } = change;
      const wasOn = await manager.existsBy(TotpFactor, { userId, enabledAt: Not(IsNull()) });
      await manager.delete(RecoveryCode, { userId });
      await manager.delete(TotpFactor, { userId });
      if (wasOn) await change.credentialChanged(userId, 'app', 'delete');
      return wasOn;
    });
  }

  /** `code` when it is good for `factor` and not taken yet, as the statements that take it need it. */
  private async goodCode(factor: TotpFactor, code: string, now: Date): Promise<GoodCode | null> {
    const read = readCode(code);
    if (read?.kind === 'totp') {
      const step = this.stepOf(factor, read.value, now);
      const unused = step !== null && (factor.lastUsedStep ?? -1) < step;
      return unused ? { kind: 'totp', step } : null;
    }
    if (read?.kind === 'recovery-code') {
      const hash = this.secrets.recoveryCodeHash(read.value);
      const unused = await this.recoveryCodes.existsBy({
        userId: factor.userId,
        codeHash: hash,
        usedAt: IsNull(),
      });
      return unused ? { kind: 'recovery-code', hash } : null;
    }
    return null;
  }

  /** Takes a good code of a factor that is on, while `condition` holds. */
  private async take(
    good: GoodCode,
    userId: number,
    condition: StatementCondition,
    now: Date,
  ): Promise<true | null> {
    const { affected } =
      good.kind === 'totp'
        ? await this.statement(
            this.dataSource,
            `UPDATE "totp_factor" SET "lastUsedStep" = :step WHERE "userId" = :userId ` +
              `AND "enabledAt" IS NOT NULL AND ${STEP_UNUSED} AND ${condition.sql}`,
            { userId, step: good.step },
            condition,
            now,
          )
        : await this.statement(
            this.dataSource,
            `UPDATE "totp_recovery_code" SET "usedAt" = :now WHERE "userId" = :userId ` +
              `AND "codeHash" = :hash AND "usedAt" IS NULL AND ${condition.sql}`,
            { userId, hash: good.hash },
            condition,
            now,
          );
    return affected > 0 ? true : null;
  }

  /**
   * Removes the factor in the statement that takes its code, while `condition` holds; its
   * recovery codes go after it, in the same transaction, which tells receivers.
   */
  private removeWith(
    good: GoodCode,
    userId: number,
    condition: StatementCondition,
    now: Date,
  ): Promise<true | null> {
    const unused = good.kind === 'totp' ? STEP_UNUSED : RECOVERY_CODE_UNUSED;
    return this.dataSource.transaction(async (manager) => {
      const { affected } = await this.statement(
        manager,
        `DELETE FROM "totp_factor" WHERE "userId" = :userId AND "enabledAt" IS NOT NULL ` +
          `AND ${unused} AND ${condition.sql}`,
        good.kind === 'totp' ? { userId, step: good.step } : { userId, hash: good.hash },
        condition,
        now,
      );
      if (!affected) return null;
      await manager.delete(RecoveryCode, { userId });
      await this.facts.change(manager, BY_USER).credentialChanged(userId, 'app', 'delete');
      return true;
    });
  }

  /**
   * Turns `pending` on with the code of `step`, while `condition` holds and its secret is still
   * the pending one (a re-enrolment meanwhile wins), and gives it ten new recovery codes, in one
   * transaction that tells receivers.
   */
  private turnOn(
    pending: TotpFactor,
    step: number,
    condition: StatementCondition,
    now: Date,
  ): Promise<string[] | null> {
    const { userId } = pending;
    return this.dataSource.transaction(async (manager) => {
      const { affected } = await this.statement(
        manager,
        `UPDATE "totp_factor" SET "enabledAt" = :now, "lastUsedStep" = :step ` +
          `WHERE "userId" = :userId AND "enabledAt" IS NULL ` +
          `AND "encryptedSecret" = :encryptedSecret AND ${condition.sql}`,
        { userId, step, encryptedSecret: pending.encryptedSecret },
        condition,
        now,
      );
      if (!affected) return null;
      const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      await manager.delete(RecoveryCode, { userId });
      await manager.insert(
        RecoveryCode,
        codes.map((each) => ({
          userId,
          codeHash: this.secrets.recoveryCodeHash(readCode(each)!.value),
          usedAt: null,
        })),
      );
      await this.facts.change(manager, BY_USER).credentialChanged(userId, 'app', 'create');
      return codes;
    });
  }

  /** The step whose code `code` is, within the skew allowed around `now`; null when none. */
  private stepOf(factor: TotpFactor, code: string, now: Date): number | null {
    const timestamp = now.getTime();
    const totp = new TOTP({
      ...TOTP_PARAMETERS,
      // A copy: a Buffer may be a view into a larger pool, and Secret takes a whole ArrayBuffer.
      secret: new Secret({
        buffer: new Uint8Array(this.secrets.decrypt(factor.userId, factor.encryptedSecret)).buffer,
      }),
    });
    const delta = totp.validate({ token: code, timestamp, window: CLOCK_SKEW_STEPS });
    return delta === null
      ? null
      : TOTP.counter({ period: TOTP_PARAMETERS.period, timestamp }) + delta;
  }

  /** One statement taking a code, in the transaction of `source` when it is a manager. */
  private statement(
    source: DataSource | EntityManager,
    sql: string,
    parameters: Record<string, unknown>,
    condition: StatementCondition,
    now: Date,
  ) {
    return runStatement(source, sql, { ...parameters, ...condition.parameters, now });
  }
}
