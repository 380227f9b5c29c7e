import { constants, verify } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Clock } from '../clock/clock.service.js';
import { hashSecret } from '../common/secret-hash.js';
import { isUniqueViolation } from '../common/errors/database-errors.js';
import { deleteInBatches } from '../database/delete-in-batches.js';
import type { User } from '../user-store/entities/user.entity.js';
import { UsersService } from '../user-store/users.service.js';
import type { LoginWithRsaRequestDto } from './dto/session-requests.dto.js';
import { UsedRsaSalt } from '../credentials/login-keys/entities/used-rsa-salt.entity.js';

/** How far ahead a signed login may expire, so that a captured signature is soon worthless. */
const MAX_SIGNATURE_LIFETIME_MS = 10 * 60 * 1000;
/**
 * The smallest expirationTimestamp read as milliseconds: in seconds it is the year 5138, in
 * milliseconds 1973, so no timestamp a client may send today is ambiguous.
 */
const MILLISECONDS_FROM = 1e11;

/**
 * When a signed login expires, in milliseconds: the original's seconds, or milliseconds for
 * clients written to an earlier reading.
 */
function expirationMsOf(expirationTimestamp: number): number {
  return expirationTimestamp >= MILLISECONDS_FROM
    ? expirationTimestamp
    : expirationTimestamp * 1000;
}

/**
 * `loginwithrsa`: the user's registered RSA key must verify, with RSASSA-PKCS1-v1_5 and
 * SHA-256, the UTF-8 bytes of `username:salt:expirationTimestamp`, the timestamp as the client
 * sent it; it expires in the future and at most ten minutes away; a (user, salt) pair is
 * accepted once.
 */
@Injectable()
export class RsaLoginService {
  constructor(
    private readonly clock: Clock,
    private readonly users: UsersService,
    @InjectRepository(UsedRsaSalt) private readonly usedSalts: Repository<UsedRsaSalt>,
  ) {}

  /** The user the signature proves, or null: the caller learns nothing about which check failed. */
  async authenticate(request: LoginWithRsaRequestDto): Promise<User | null> {
    const now = this.clock.nowMs();
    const expiration = expirationMsOf(request.expirationTimestamp);
    if (expiration <= now || expiration > now + MAX_SIGNATURE_LIFETIME_MS) return null;
    const user = await this.users.findByUsername(request.username);
    if (!user?.enabled || !user.publicKey) return null;
    // The timestamp's decimal digits as sent: a safe integer (the DTO's bound) prints as the
    // digits of the plain JSON integer a client's integer field is written as.
    const signed = Buffer.from(
      `${request.username}:${request.salt}:${request.expirationTimestamp}`,
      'utf8',
    );
    const signature = Buffer.from(request.rsaSignature, 'base64');
    const key = { key: user.publicKey, padding: constants.RSA_PKCS1_PADDING };
    if (!verify('sha256', signed, key, signature)) return null;
    return (await this.spendSalt(user.id, request.salt, new Date(expiration))) ? user : null;
  }

  /** Deletes the used salts whose signature has expired, when it could not be replayed anyway. */
  purgeExpiredSalts(): Promise<number> {
    return deleteInBatches(this.usedSalts, '"expiresAt" < :now', { now: this.clock.now() });
  }

  /** Records the salt as used; false when it already was. Salts past their expiration are dropped. */
  private async spendSalt(userId: number, salt: string, expiresAt: Date): Promise<boolean> {
    await this.purgeExpiredSalts();
    try {
      await this.usedSalts.insert({ userId, saltHash: hashSecret(salt), expiresAt });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
