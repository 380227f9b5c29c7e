import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { SigningKey } from './entities/signing-key.entity.js';

export interface LoadedKey {
  kid: string;
  publicKey: KeyObject;
  privateKey: KeyObject | null;
  publicJwk: Record<string, unknown>;
}

const RSA_MODULUS_BITS = 2048;
/** An arbitrary constant naming the first-key lock among PostgreSQL advisory locks. */
const FIRST_KEY_LOCK = 4_712_031_978;
/** The width of the kid column: a longer kid cannot be one of ours. */
const KID_MAX_LENGTH = 64;
/** How soon every instance signs with a key that another instance (or the CLI) rotated in. */
const SIGNER_REFRESH_INTERVAL_MS = 60_000;

/**
 * The RS256 key store. A key supplied by configuration signs when present; otherwise the newest
 * key in the database does, generated on first start so that a restart and every instance on the
 * same database share it.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  private keys = new Map<string, LoadedKey>();
  private signer: LoadedKey;
  private suppliedKey: LoadedKey | null = null;
  private lastReload = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(SigningKey) private readonly repository: Repository<SigningKey>,
  ) {}

  async onModuleInit(): Promise<void> {
    this.suppliedKey = await this.loadSuppliedKey();
    if (!this.suppliedKey) await this.createFirstKeyOnce();
    await this.reload();
  }

  /** The key that signs now; a rotation elsewhere reaches this instance within a minute. */
  signingKey(): LoadedKey {
    if (Date.now() - this.lastReload > SIGNER_REFRESH_INTERVAL_MS) {
      this.lastReload = Date.now();
      this.reload().catch((error: unknown) =>
        this.logger.warn(`Signing keys not refreshed: ${(error as Error).message}`),
      );
    }
    return this.signer;
  }

  /**
   * The key that verifies tokens carrying `kid`, or null. An unknown kid may be a key another
   * instance just rotated in: one primary-key lookup tells, and only then are the keys reloaded.
   */
  async verificationKey(kid: string): Promise<LoadedKey | null> {
    const known = this.keys.get(kid);
    if (known || kid.length > KID_MAX_LENGTH) return known ?? null;
    if (!(await this.repository.existsBy({ kid }))) return null;
    await this.reload();
    return this.keys.get(kid) ?? null;
  }

  publicJwks(): { keys: Record<string, unknown>[] } {
    return { keys: [...this.keys.values()].map((key) => key.publicJwk) };
  }

  /** Whether configuration supplies the signing key, which is then rotated there, not here. */
  isKeySupplied(): boolean {
    return this.suppliedKey !== null;
  }

  /** Makes a new key pair the signing key; the older keys keep verifying what they signed. */
  async rotate(): Promise<string> {
    if (this.isKeySupplied()) {
      throw new Error(
        'JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is set, and that key signs: rotate it there',
      );
    }
    const row = keyRow(await generateRsaKey());
    await this.repository.insert(row);
    await this.reload();
    this.logger.log(`Signing key ${row.kid} created`);
    return row.kid;
  }

  /**
   * Makes the first key when there is none. On PostgreSQL an advisory lock makes instances that
   * start together on an empty database agree on one key instead of each making its own.
   */
  private async createFirstKeyOnce(): Promise<void> {
    await this.repository.manager.transaction(async (manager) => {
      if (manager.connection.options.type === 'postgres') {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
      }
      if ((await manager.count(SigningKey)) > 0) return;
      const row = keyRow(await generateRsaKey());
      await manager.insert(SigningKey, row);
      this.logger.log(`First signing key ${row.kid} created`);
    });
  }

  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const rows = await this.repository.find({ order: { createdAt: 'DESC', kid: 'ASC' } });
    const loaded = rows.map((row) => describeKey(createPrivateKey(row.privateKeyPem)));
    if (this.suppliedKey) loaded.unshift(this.suppliedKey);
    this.keys = new Map(loaded.map((key) => [key.kid, key]));
    if (loaded[0]) this.signer = loaded[0];
  }

  private async loadSuppliedKey(): Promise<LoadedKey | null> {
    const { privateKeyPem, privateKeyFile } = this.config.jwt;
    const pem = privateKeyPem ?? (privateKeyFile ? await readFile(privateKeyFile, 'utf8') : null);
    return pem ? describeKey(createPrivateKey(pem)) : null;
  }
}

/** The `kid` of a JWT's header, or null when there is none or the header is not JSON. */
export function kidOf(token: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : null;
  } catch {
    return null;
  }
}

async function generateRsaKey(): Promise<KeyObject> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: RSA_MODULUS_BITS,
  });
  return privateKey;
}

function keyRow(privateKey: KeyObject): SigningKey {
  const { kid, publicKey } = describeKey(privateKey);
  return {
    kid,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdAt: new Date(),
  };
}

function describeKey(privateKey: KeyObject): LoadedKey {
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  // RFC 7638: the thumbprint hashes the required members in lexicographic order.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return {
    kid,
    publicKey,
    privateKey,
    publicJwk: { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' },
  };
}
