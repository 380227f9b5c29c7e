import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = 'v1';

/** The key file kept beside an SQLite database when TOTP_ENCRYPTION_KEY is unset. */
export const KEY_FILE_NAME = 'totp.key';

/**
 * What keeps second-factor secrets from a stolen database dump: each TOTP secret is encrypted
 * with AES-256-GCM under the TOTP key, bound to its user (so that a secret copied to another row
 * does not decrypt), and recovery codes are kept as HMACs under a key derived from it (they have
 * 50 bits, too few for a plain hash to hide them). The key is TOTP_ENCRYPTION_KEY, or on SQLite,
 * when that is unset, a key generated once into `totp.key` beside the database file; PostgreSQL
 * serves several instances, which must share one key, so there it must be set.
 */
@Injectable()
export class TotpSecrets {
  private readonly logger = new Logger(TotpSecrets.name);
  private readonly key: Buffer | null;
  private readonly recoveryKey: Buffer | null;

  constructor(config: AppConfig) {
    this.key = config.totp.encryptionKey ?? keyBesideDatabase(config.databaseUrl, this.logger);
    this.recoveryKey =
      this.key && Buffer.from(hkdfSync('sha256', this.key, '', 'recovery-code', 32));
  }

  /** At the server's start: one warning line while second factors cannot be used here. */
  warnIfUnavailable(): void {
    if (this.key) return;
    this.logger.warn(
      'TOTP_ENCRYPTION_KEY is unset: on PostgreSQL it must be set, the same on every instance (32 bytes, base64: openssl rand -base64 32); until then enrolling a second factor answers 503',
    );
  }

  /** Refuses (503, naming the setting) while no key is configured or kept beside SQLite. */
  assertAvailable(): void {
    this.requireKey();
  }

  encrypt(userId: number, secret: Buffer): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.requireKey(), iv);
    cipher.setAAD(boundTo(userId));
    const sealed = Buffer.concat([cipher.update(secret), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), sealed].map(encodePart).join('.');
  }

  /** The secret of `userId`; a 503 when the key is not the one it was sealed with. */
  decrypt(userId: number, stored: string): Buffer {
    const [format, iv, tag, sealed] = stored.split('.');
    try {
      if (format !== FORMAT) throw new Error(`unknown format ${format}`);
      const decipher = createDecipheriv('aes-256-gcm', this.requireKey(), decodePart(iv));
      decipher.setAAD(boundTo(userId));
      decipher.setAuthTag(decodePart(tag));
      return Buffer.concat([decipher.update(decodePart(sealed)), decipher.final()]);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw error;
      this.logger.error(
        `The second factor of user ${userId} does not decrypt: TOTP_ENCRYPTION_KEY is not the key it was stored with`,
      );
      throw new ServiceUnavailableException('Second factors cannot be checked on this instance');
    }
  }

  /** How a recovery code is stored and looked up: its HMAC, hex. */
  recoveryCodeHash(normalizedCode: string): string {
    if (!this.recoveryKey) this.requireKey();
    return createHmac('sha256', this.recoveryKey!).update(normalizedCode).digest('hex');
  }

  private requireKey(): Buffer {
    if (this.key) return this.key;
    throw new ServiceUnavailableException(
      'Second factors need TOTP_ENCRYPTION_KEY (32 bytes, base64) set on every instance',
    );
  }
}

/**
 * On SQLite, the key in `totp.key` beside the database file, made at first start (0600); an
 * in-memory database, which lives as long as the process, gets a key of the process; on
 * PostgreSQL there is none.
 */
function keyBesideDatabase(databaseUrl: string, logger: Logger): Buffer | null {
  if (!databaseUrl.startsWith('sqlite:')) return null;
  const database = databaseUrl.slice('sqlite:'.length);
  if (database === ':memory:') return randomBytes(KEY_BYTES);
  const file = join(dirname(database), KEY_FILE_NAME);
  if (!existsSync(file)) createKeyFile(file, logger);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

/**
 * Writes a new key whole under another name, then links it into place, which fails if the file
 * exists: of two processes starting at once on one database, one key wins and both read it.
 */
function createKeyFile(file: string, logger: Logger): void {
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(KEY_BYTES).toString('base64') + '\n', { mode: 0o600 });
  try {
    linkSync(draft, file);
    logger.log(`Generated the second-factor key ${file}; back it up with the database`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}

function boundTo(userId: number): Buffer {
  return Buffer.from(`gatehouse totp secret of user ${userId}`);
}

function encodePart(part: string | Buffer): string {
  return typeof part === 'string' ? part : part.toString('base64url');
}

function decodePart(part: string | undefined): Buffer {
  if (part === undefined) throw new Error('truncated');
  return Buffer.from(part, 'base64url');
}
