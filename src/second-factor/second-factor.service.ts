import { randomInt } from 'node:crypto';
import { ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { DataSource, In, IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { runStatement } from '../database/atomic-statement.js';
import { RecoveryCode } from './entities/recovery-code.entity.js';
import { TotpFactor } from './entities/totp-factor.entity.js';
import { TotpSecrets } from './totp-secrets.service.js';

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
 * The TOTP second factor (SPEC §7): enrolment, confirmation, turning off, and the check of a
 * login's code. A TOTP code is taken once (none of its step or an earlier one again) and a
 * recovery code once ever, each by one statement that reads and writes at once, so that two
 * requests racing with one code cannot both pass.
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

  /** The code a password login of `userId` carried (null: none), judged and, when good, used up. */
  async verifyAtLogin(userId: number, code: string | null): Promise<SecondFactorVerdict> {
    const factor = await this.factors.findOneBy({ userId, enabledAt: Not(IsNull()) });
    if (!factor) return 'not-enrolled';
    if (code === null || code === '') return 'missing';
    return (await this.useCode(factor, code)) ?? 'wrong';
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
   * Turns the pending factor on with a first code of its secret, and answers its ten recovery
   * codes (their clear text exists only in this answer); null when the code is not a current one
   * of the secret; 409 when no enrolment is pending.
   */
  async confirm(userId: number, code: string): Promise<string[] | null> {
    const pending = await this.factors.findOneBy({ userId, enabledAt: IsNull() });
    if (!pending) {
      throw new ConflictException('No enrolment is pending: start one with POST /api/me/totp');
    }
    const read = readCode(code);
    const step = read?.kind === 'totp' ? this.stepOf(pending, read.value) : null;
    if (step === null) return null;
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    const confirmed = await this.dataSource.transaction(async (manager) => {
      // The secret the code was checked against, still pending: a re-enrolment meanwhile loses.
      const { affected } = await manager.update(
        TotpFactor,
        { userId, enabledAt: IsNull(), encryptedSecret: pending.encryptedSecret },
        { enabledAt: this.clock.now(), lastUsedStep: step },
      );
      if (!affected) return false;
      await manager.delete(RecoveryCode, { userId });
      await manager.insert(
        RecoveryCode,
        codes.map((each) => ({
          userId,
          codeHash: this.secrets.recoveryCodeHash(readCode(each)!.value),
          usedAt: null,
        })),
      );
      return true;
    });
    return confirmed ? codes : null;
  }

  /**
   * Turns the factor off with one of its codes (TOTP or recovery): false when the code is not a
   * good one; 409 when no factor is on.
   */
  async disable(userId: number, code: string): Promise<boolean> {
    const factor = await this.factors.findOneBy({ userId, enabledAt: Not(IsNull()) });
    if (!factor) throw new ConflictException('No second factor is on');
    if (!(await this.useCode(factor, code))) return false;
    await this.remove(userId);
    return true;
  }

  /** Removes a user's factor, on or pending, with its recovery codes; whether one was on. */
  async remove(userId: number): Promise<boolean> {
    const wasOn = await this.isOn(userId);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(RecoveryCode, { userId });
      await manager.delete(TotpFactor, { userId });
    });
    return wasOn;
  }

  /** Uses `code` up if it is good for `factor`: which kind it was, or null. */
  private async useCode(
    factor: TotpFactor,
    code: string,
  ): Promise<'totp' | 'recovery-code' | null> {
    const read = readCode(code);
    if (read?.kind === 'totp') {
      const step = this.stepOf(factor, read.value);
      return step !== null && (await this.claimStep(factor.userId, step)) ? 'totp' : null;
    }
    if (read?.kind === 'recovery-code') {
      const { affected } = await this.recoveryCodes.update(
        {
          userId: factor.userId,
          codeHash: this.secrets.recoveryCodeHash(read.value),
          usedAt: IsNull(),
        },
        { usedAt: this.clock.now() },
      );
      return affected ? 'recovery-code' : null;
    }
    return null;
  }

  /** The step whose code `code` is, within the skew allowed around now; null when none. */
  private stepOf(factor: TotpFactor, code: string): number | null {
    const timestamp = this.clock.nowMs();
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

  /** Records `step` as used unless it or a later one was: whether this request may use it. */
  private async claimStep(userId: number, step: number): Promise<boolean> {
    const { affected } = await runStatement(
      this.dataSource,
      `UPDATE "totp_factor" SET "lastUsedStep" = :step WHERE "userId" = :userId ` +
        `AND "enabledAt" IS NOT NULL AND ("lastUsedStep" IS NULL OR "lastUsedStep" < :step)`,
      { userId, step },
    );
    return affected > 0;
  }
}
