import { createHmac } from 'node:crypto';
import type { BenchStore } from './bench-store.js';
import { hashSecret } from '../src/common/secret-hash.js';

const GROUPS = 8;
const CHUNK_USERS = 50_000;

/**
 * The benchmark's users, user tokens and sessions, derived from a per-run secret so that any of a
 * million can be recomputed without keeping them: user i has one user token and one session.
 */
export class BenchPopulation {
  constructor(
    private readonly runSecret: string,
    readonly password: string,
  ) {}

  username(index: number): string {
    return `bench-user-${String(index).padStart(7, '0')}`;
  }

  /** A UUID v4, as the user-token API issues them. */
  userToken(index: number): string {
    const hex = this.derive('token', index);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }

  sessionSecret(index: number): string {
    return this.derive('session', index);
  }

  /** The service client that introspects, as `clients:create` would make it. */
  get serviceClient(): { clientId: string; secret: string } {
    return { clientId: 'bench-client', secret: this.derive('client', 0) };
  }

  /** The 20-byte TOTP secret of user i, for the users seeded with a second factor on. */
  totpSecret(index: number): Buffer {
    return Buffer.from(this.derive('totp', index), 'hex').subarray(0, 20);
  }

  /** Session ids follow user ids, so that user i's session is sid i. */
  sessionId(index: number): number {
    return index;
  }

  private derive(kind: string, index: number): string {
    return createHmac('sha256', this.runSecret).update(`${kind}:${index}`).digest('hex');
  }
}

/** Users [from, to] with their groups, user tokens and sessions, in bulk inserts. */
export async function seedUsers(
  store: BenchStore,
  population: BenchPopulation,
  passwordHash: string,
  from: number,
  to: number,
): Promise<void> {
  if (from === 1) await seedGroups(store);
  if (from === 1) await seedServiceClient(store, population);
  const now = Date.now();
  const credentialsChangedAt = new Date(now - 3_600_000);
  const issuedAt = new Date(now - 60_000);
  for (let start = from; start <= to; start += CHUNK_USERS) {
    const end = Math.min(to, start + CHUNK_USERS - 1);
    const users: unknown[][] = [];
    const memberships: unknown[][] = [];
    const userTokens: unknown[][] = [];
    const sessions: unknown[][] = [];
    for (let index = start; index <= end; index++) {
      const name = population.username(index);
      users.push([index, name, name, passwordHash, 'user', true, 0, credentialsChangedAt]);
      memberships.push([index, (index % GROUPS) + 1]);
      userTokens.push([hashSecret(population.userToken(index)), index, true, issuedAt, 0]);
      sessions.push([
        population.sessionId(index),
        hashSecret(population.sessionSecret(index)),
        index,
        new Date(now),
        new Date(now),
        '127.0.0.1',
        'gatehouse-bench',
      ]);
    }
    await store.insertRows(
      'user',
      [
        'id',
        'username',
        'usernameKey',
        'passwordHash',
        'privilege',
        'enabled',
        'failedLoginCount',
        'credentialsChangedAt',
      ],
      users,
    );
    await store.insertRows('user_group', ['userId', 'groupId'], memberships);
    await store.insertRows(
      'user_token',
      ['tokenHash', 'userId', 'enabled', 'creationTime', 'version'],
      userTokens,
    );
    await store.insertRows(
      'session',
      ['id', 'secretHash', 'userId', 'createdAt', 'lastSeenAt', 'clientAddress', 'userAgent'],
      sessions,
    );
  }
  if (store.kind === 'postgres') await advancePostgresSequences(store);
}

/**
 * A TOTP second factor on for users [from, to], its secret sealed as the server seals it
 * (`seal`, the server's own TotpSecrets.encrypt under the key it was started with).
 */
export async function seedSecondFactors(
  store: BenchStore,
  population: BenchPopulation,
  seal: (userId: number, secret: Buffer) => string,
  from: number,
  to: number,
): Promise<void> {
  const now = new Date();
  const rows: unknown[][] = [];
  for (let index = from; index <= to; index++) {
    rows.push([index, seal(index, population.totpSecret(index)), now, null, now]);
  }
  await store.insertRows(
    'totp_factor',
    ['userId', 'encryptedSecret', 'enabledAt', 'lastUsedStep', 'createdAt'],
    rows,
  );
}

/**
 * Moves the sid the server hands out next past `lastSeeded`, so that the sessions it starts now
 * (the portal's sign-ins) keep clear of the sids seeded later (user i's session is sid i).
 */
export async function reserveSessionIds(store: BenchStore, lastSeeded: number): Promise<void> {
  if (store.kind === 'postgres') {
    await store.queryOne(
      `SELECT setval(pg_get_serial_sequence('"session"', 'id'), GREATEST(${lastSeeded}, (SELECT MAX(id) FROM "session")))`,
    );
  } else {
    await store.queryOne(
      `UPDATE sqlite_sequence SET seq = MAX(seq, ${lastSeeded}) WHERE name = 'session' RETURNING seq`,
    );
  }
}

/** A small tree: two roots, each with three children. */
async function seedGroups(store: BenchStore): Promise<void> {
  const rows = Array.from({ length: GROUPS }, (_, i) => [
    i + 1,
    `bench-group-${i + 1}`,
    i < 2 ? null : (i % 2) + 1,
  ]);
  await store.insertRows('group', ['id', 'name', 'parentId'], rows);
}

/** Explicit ids leave PostgreSQL's sequences behind; later inserts must not collide with them. */
async function advancePostgresSequences(store: BenchStore): Promise<void> {
  for (const table of ['user', 'group', 'session']) {
    await store.queryOne(
      `SELECT setval(pg_get_serial_sequence('"${table}"', 'id'), (SELECT MAX(id) FROM "${table}"))`,
    );
  }
}

async function seedServiceClient(store: BenchStore, population: BenchPopulation): Promise<void> {
  const { clientId, secret } = population.serviceClient;
  const now = new Date();
  await store.insertRows(
    'service_client',
    ['clientId', 'name', 'enabled', 'secretHash', 'createdAt', 'updatedAt'],
    [[clientId, 'bench', true, hashSecret(secret), now, now]],
  );
}
