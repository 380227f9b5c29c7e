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
import { LRUCache } from 'lru-cache';
import { In, IsNull, Not, Repository } from 'typeorm';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig } from '../../config/app-config.js';
import { LivenessService } from '../liveness/liveness.service.js';
import { SigningKey } from './entities/signing-key.entity.js';

export interface LoadedKey {
  kid: string;
  publicKey: KeyObject;
  privateKey: KeyObject | null;
  publicJwk: Record<string, unknown>;
  /** When it starts signing; a supplied key signs from the start. */
  activatesAt: Date;
}

/** What a rotation made: the new key, when it signs, and the keys it withdrew (an emergency one). */
export interface RotatedKey {
  kid: string;
  activatesAt: Date;
  withdrawn: string[];
}

const RSA_MODULUS_BITS = 2048;
/** An arbitrary constant naming the first-key lock among PostgreSQL advisory locks. */
const FIRST_KEY_LOCK = 4_712_031_978;
/** A kid as describeKey makes it, the base64url SHA-256 of the key: nothing else can be one of ours. */
const KID_SHAPE = /^[A-Za-z0-9_-]{43}$/;
/** Kids looked up and found to name no usable key, remembered for a while. */
const UNKNOWN_KIDS_KEPT = 1_000;
const UNKNOWN_KID_KEPT_MS = 60_000;

/**
 * The RS256 key store. A key supplied by configuration signs when present; otherwise the latest
 * activated key in the database does, the first one generated on first start so that a restart
 * and every instance on the same database share it. A rotated-in key is published at once and
 * signs from its `activatesAt` on; an emergency rotation withdraws every other key.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private readonly logger = new Logger(SigningKeysService.name);
  /** The keys that verify (withdrawn ones are left out), latest activation first. */
  private keys = new Map<string, LoadedKey>();
  private suppliedKey: LoadedKey | null = null;
  /**
   * A kid is the thumbprint of its key, so a kid that names no key now can only ever name a key
   * made after this lookup, whose tokens no one could have held before it: remembering the miss
   * refuses no token a rotation makes. It saves a token that is not ours (a forged or withdrawn
   * kid, sent again and again) the database lookup each time.
   */
  private readonly unknownKids = new LRUCache<string, true>({
    max: UNKNOWN_KIDS_KEPT,
    ttl: UNKNOWN_KID_KEPT_MS,
  });

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @InjectRepository(SigningKey) private readonly repository: Repository<SigningKey>,
    /** Reads the kids of the keys not withdrawn: one small read, to see a change. */
    private readonly liveness: LivenessService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.suppliedKey = await this.loadSuppliedKey();
    if (!this.suppliedKey) await this.createFirstKeyOnce();
    await this.reload();
  }

  /**
   * The key that signs at `at` (the instant the token is dated). The key set is read first (its kids only), so that a rotation or a
   * withdrawal by another instance or the CLI counts on this one from its commit on: a token is
   * never signed with a withdrawn key, and a key activates at its time on every instance.
   */
  async signingKey(at: Date): Promise<LoadedKey> {
    await this.refresh();
    if (this.suppliedKey) return this.suppliedKey;
    const keys = [...this.keys.values()];
    // With no key activated yet (possible only by hand), the soonest to activate is all there is.
    return keys.find((key) => key.activatesAt.getTime() <= at.getTime()) ?? keys[keys.length - 1];
  }

  /**
   * The key that verifies tokens carrying `kid`, or null. An unknown kid may be a key another
   * instance just rotated in: one primary-key lookup tells, and only then are the keys reloaded;
   * a kid that lookup found no key for is not looked up again for a while.
   */
  async verificationKey(kid: string): Promise<LoadedKey | null> {
    const known = this.keys.get(kid);
    if (known || !KID_SHAPE.test(kid) || this.unknownKids.has(kid)) return known ?? null;
    if (!(await this.repository.existsBy({ kid, withdrawnAt: IsNull() }))) {
      this.unknownKids.set(kid, true);
      return null;
    }
    await this.reload();
    return this.keys.get(kid) ?? null;
  }

  /**
   * Whether `kid` verifies now, by the database's set of usable keys (one small read): for a token
   * whose check reads nothing else that would tell of a withdrawal.
   */
  async isLive(kid: string): Promise<boolean> {
    await this.refresh();
    return this.keys.has(kid);
  }

  /** Whether `kid` verifies as far as this instance knows: a withdrawal it learnt of says no. */
  isUsable(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** Drops a key that the database says is withdrawn, seen before this instance reloaded. */
  forgetWithdrawn(kid: string): void {
    if (kid !== this.suppliedKey?.kid) this.keys.delete(kid);
  }

  /** Every key that verifies, those not signing yet included: a consumer must hold them first. */
  async publicJwks(): Promise<{ keys: Record<string, unknown>[] }> {
    await this.refresh();
    return { keys: [...this.keys.values()].map((key) => key.publicJwk) };
  }

  /** Whether configuration supplies the signing key, which is then rotated there, not here. */
  isKeySupplied(): boolean {
    return this.suppliedKey !== null;
  }

  /**
   * Makes a new key pair, published at once. It signs after JWT_KEY_ACTIVATION_DELAY, while the
   * current key goes on signing; with `now` (an emergency), it signs at once and every other key is
   * withdrawn in the same transaction: unpublished, and nothing it signed verifies any more.
   */
  async rotate({ now = false }: { now?: boolean } = {}): Promise<RotatedKey> {
    if (this.isKeySupplied()) {
      throw new Error(
        'JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE is set, and that key signs: rotate it there',
      );
    }
    const createdAt = this.clock.now();
    const delayMs = now ? 0 : this.config.jwt.keyActivationDelaySeconds * 1000;
    const row = keyRow(await generateRsaKey(), createdAt, new Date(createdAt.getTime() + delayMs));
    const withdrawn = await this.repository.manager.transaction(async (manager) => {
      await manager.insert(SigningKey, row);
      if (!now) return [];
      const others = await manager.find(SigningKey, {
        select: { kid: true },
        where: { kid: Not(row.kid), withdrawnAt: IsNull() },
      });
      const kids = others.map((key) => key.kid);
      if (kids.length > 0)
        await manager.update(SigningKey, { kid: In(kids) }, { withdrawnAt: createdAt });
      return kids;
    });
    await this.reload();
    this.logger.log(
      `Signing key ${row.kid} created, signing from ${row.activatesAt.toISOString()}` +
        (withdrawn.length > 0 ? `; withdrawn: ${withdrawn.join(', ')}` : ''),
    );
    return { kid: row.kid, activatesAt: row.activatesAt, withdrawn };
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
      const createdAt = this.clock.now();
      const row = keyRow(await generateRsaKey(), createdAt, createdAt);
      await manager.insert(SigningKey, row);
      this.logger.log(`First signing key ${row.kid} created`);
    });
  }

  /** Reloads the keys when the database's set of usable keys is not the one held. */
  private async refresh(): Promise<void> {
    const held = [...this.keys.keys()].filter((kid) => kid !== this.suppliedKey?.kid);
    const live = new Set(await this.liveness.liveSigningKids());
    if (live.size !== held.length || held.some((kid) => !live.has(kid))) await this.reload();
  }

  private async reload(): Promise<void> {
    const rows = await this.repository.find({
      where: { withdrawnAt: IsNull() },
      order: { activatesAt: 'DESC', createdAt: 'DESC', kid: 'ASC' },
    });
    const loaded = rows.map((row) => ({
      ...describeKey(createPrivateKey(row.privateKeyPem)),
      activatesAt: row.activatesAt,
    }));
    if (this.suppliedKey) loaded.unshift(this.suppliedKey);
    this.keys = new Map(loaded.map((key) => [key.kid, key]));
  }

  private async loadSuppliedKey(): Promise<LoadedKey | null> {
    const { privateKeyPem, privateKeyFile } = this.config.jwt;
    const pem = privateKeyPem ?? (privateKeyFile ? await readFile(privateKeyFile, 'utf8') : null);
    return pem ? { ...describeKey(createPrivateKey(pem)), activatesAt: new Date(0) } : null;
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

function keyRow(privateKey: KeyObject, createdAt: Date, activatesAt: Date): SigningKey {
  const { kid, publicKey } = describeKey(privateKey);
  return {
    kid,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdAt,
    activatesAt,
    withdrawnAt: null,
  };
}

function describeKey(privateKey: KeyObject): Omit<LoadedKey, 'activatesAt'> {
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
