import { createPublicKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { JwksClient } from 'jwks-rsa';
import { migrations } from '../../src/database/migrations/index.js';
import { SigningKeyLifecycle1764810000000 } from '../../src/database/migrations/1764810000000-signing-key-lifecycle.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { controlClock, type TestClock } from '../support/clock.js';
import { accessTokenFor, tokenStatus } from '../support/credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { scratchSchema, type ScratchSchema } from '../support/migrations.js';
import { SigningKeysService } from '../../src/credentials/access-tokens/signing-keys.service.js';
import { decodeJwt, registerUser, type TestUser } from '../support/fixtures.js';
import { CLI_JS, runServerToExit } from '../support/server-process.js';

/**
 * The published key set across a rotation, as consumers see it with the libraries they use (jose,
 * jwks-rsa), on two instances sharing one database: a rotated-in key is published at once and
 * signs only after JWT_KEY_ACTIVATION_DELAY (default twice the key set's max-age), so that a key
 * set fetched before the rotation verifies every token issued after it; an emergency rotation
 * signs at once and withdraws the old keys on every instance.
 */

const ADMIN = { username: 'key-admin', password: 'key-admin-password' };
const PASSWORD = 'rotation-password';
const MAX_AGE_MS = 300_000;
const DEFAULT_DELAY_MS = 2 * MAX_AGE_MS;

let database: TestDatabase;
let a: TestApp;
let b: TestApp;
let clockA: TestClock;
let clockB: TestClock;
let user: TestUser;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password };
  a = await startTestApp(env, database);
  b = await startTestApp(env, database);
  // A real port each, so that jose and jwks-rsa fetch the key set as any consumer does.
  await Promise.all([a.app.listen(0, '127.0.0.1'), b.app.listen(0, '127.0.0.1')]);
  clockA = controlClock(a);
  clockB = controlClock(b);
  user = await registerUser(a, 'rotation-user', PASSWORD);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await database?.drop();
});

const jwksUrl = async (t: TestApp) => new URL('/.well-known/jwks.json', await t.app.getUrl());

async function publishedKids(t: TestApp): Promise<string[]> {
  const res = await t.http().get('/.well-known/jwks.json');
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe(`public, max-age=${MAX_AGE_MS / 1000}`);
  return (res.body.keys as { kid: string }[]).map((key) => key.kid);
}

const kidOf = (token: string) => decodeJwt(token).header.kid as string;

/** Moves both instances' clocks, as time passing would. */
function advanceBoth(ms: number): void {
  clockA.advance(ms);
  clockB.advance(ms);
}

/** Runs `check` as if the consumer's own time had moved by `ms` too (its key-set cache ages). */
async function asConsumerLater<T>(ms: number, check: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
  try {
    return await check();
  } finally {
    vi.useRealTimers();
  }
}

async function verifyWithJose(keySet: JWTVerifyGetKey, token: string): Promise<string> {
  const { payload } = await jwtVerify(token, keySet, {
    issuer: 'gatehouse',
    algorithms: ['RS256'],
  });
  return payload.sub!;
}

async function verifyWithJwksRsa(client: JwksClient, token: string): Promise<string> {
  const key = await client.getSigningKey(kidOf(token));
  const { payload } = await jwtVerify(token, createPublicKey(key.getPublicKey()), {
    issuer: 'gatehouse',
    algorithms: ['RS256'],
  });
  return payload.sub!;
}

async function adminToken(t: TestApp): Promise<string> {
  return accessTokenFor(t, ADMIN);
}

function rotate(t: TestApp, token: string, query = '') {
  return t.http().post(`/api/admin/keys/rotate${query}`).set('Authorization', `Bearer ${token}`);
}

describe('a normal rotation', () => {
  it('publishes the new key at once, signs with it from activatesAt on every instance, and a key set fetched before it verifies every token', async () => {
    const [oldKid] = await publishedKids(a);
    const first = await accessTokenFor(a, user);
    expect(kidOf(first)).toBe(oldKid);

    // Consumers that cache the key set for its max-age, fetched before the rotation.
    const jose = createRemoteJWKSet(await jwksUrl(a), {
      cacheMaxAge: MAX_AGE_MS,
      cooldownDuration: 30_000,
    });
    let jwksRsaFetches = 0;
    const jwksRsa = new JwksClient({
      jwksUri: (await jwksUrl(b)).href,
      cache: true,
      cacheMaxAge: MAX_AGE_MS,
      fetcher: async (uri) => {
        jwksRsaFetches += 1;
        return (await fetch(uri)).json() as Promise<{ keys: unknown[] }>;
      },
    });
    expect(await verifyWithJose(jose, first)).toBe(String(user.id));
    expect(await verifyWithJwksRsa(jwksRsa, first)).toBe(String(user.id));
    expect(jwksRsaFetches).toBe(1);

    const rotatedAt = clockA.nowMs();
    const res = await rotate(a, await adminToken(a));
    expect(res.status).toBe(201);
    const newKid = res.body.kid as string;
    const activatesAt = Date.parse(res.body.activatesAt as string);
    expect(activatesAt - rotatedAt).toBeGreaterThanOrEqual(DEFAULT_DELAY_MS);
    expect(activatesAt - clockA.nowMs()).toBeLessThanOrEqual(DEFAULT_DELAY_MS);
    expect(res.body.withdrawn).toEqual([]);

    // Published at once, on both instances; the old key stays.
    for (const t of [a, b])
      expect((await publishedKids(t)).sort()).toEqual([newKid, oldKid].sort());

    // Until activatesAt, both instances keep signing with the old key, which the cached sets hold.
    const pending: string[] = [];
    for (const t of [a, b]) pending.push(await accessTokenFor(t, user));
    advanceBoth(activatesAt - clockA.nowMs() - 1_000);
    for (const t of [a, b]) pending.push(await accessTokenFor(t, user));
    for (const token of pending) {
      expect(kidOf(token)).toBe(oldKid);
      expect(await verifyWithJose(jose, token)).toBe(String(user.id));
      expect(await verifyWithJwksRsa(jwksRsa, token)).toBe(String(user.id));
    }
    expect(jwksRsaFetches).toBe(1);

    // From activatesAt on, every instance signs with the new key; by then a consumer's cached set
    // is older than its max-age and fetched again, and holds the new key.
    advanceBoth(1_000);
    const activated: string[] = [];
    for (const t of [a, b]) activated.push(await accessTokenFor(t, user));
    await asConsumerLater(MAX_AGE_MS + 1_000, async () => {
      for (const token of activated) {
        expect(kidOf(token)).toBe(newKid);
        expect(await verifyWithJose(jose, token)).toBe(String(user.id));
        expect(await verifyWithJwksRsa(jwksRsa, token)).toBe(String(user.id));
      }
    });
    for (const token of [first, ...pending, ...activated])
      for (const t of [a, b]) expect(await tokenStatus(t, token)).toBe('valid');
  });

  it('keys:rotate prints the kid and when it starts signing', async () => {
    const rotatedAt = Date.now();
    const run = await runServerToExit(
      { DATABASE_URL: database.url, BCRYPT_COST: '4', JWT_KEY_ACTIVATION_DELAY: '900' },
      [CLI_JS, 'keys:rotate'],
    );
    expect(run.code).toBe(0);
    const [, kid, signsFrom] = /^New signing key: (\S+) signs from (\S+)\n$/.exec(run.stdout) ?? [];
    expect(kid).toBeDefined();
    expect(Date.parse(signsFrom) - rotatedAt).toBeGreaterThanOrEqual(900_000);
    expect(Date.parse(signsFrom) - Date.now()).toBeLessThanOrEqual(900_000);
    for (const t of [a, b]) expect(await publishedKids(t)).toContain(kid);
    // The instances' clocks are ahead of the CLI's by now: move them past its activation.
    const signer = async (t: TestApp) => kidOf(await accessTokenFor(t, user));
    expect(await signer(a)).not.toBe(kid);
    advanceBoth(Date.parse(signsFrom) - clockA.nowMs());
    expect(await signer(a)).toBe(kid);
    expect(await signer(b)).toBe(kid);
  });
});

describe('an emergency rotation', () => {
  it('signs at once and withdraws the old keys: their tokens stop on both instances at once, and leave the key set', async () => {
    const oldKids = await publishedKids(a);
    const oldTokens = [await accessTokenFor(a, user), await accessTokenFor(b, user)];
    // Every cache of the checks holds them: verified signatures, liveness, the Passport strategy.
    for (const token of oldTokens)
      for (const t of [a, b]) {
        expect(await tokenStatus(t, token)).toBe('valid');
        expect(await tokenStatus(t, token)).toBe('valid');
        await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      }

    const res = await rotate(a, await adminToken(a), '?now=true');
    expect(res.status).toBe(201);
    const newKid = res.body.kid as string;
    expect(Math.abs(Date.parse(res.body.activatesAt as string) - clockA.nowMs())).toBeLessThan(
      5_000,
    );
    expect([...(res.body.withdrawn as string[])].sort()).toEqual([...oldKids].sort());

    for (const t of [a, b]) {
      for (const token of oldTokens) {
        expect(await tokenStatus(t, token)).toBe('invalid');
        await t.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(401);
      }
      expect(await publishedKids(t)).toEqual([newKid]);
    }

    // Both instances sign with the new key at once, and its tokens work everywhere.
    for (const t of [a, b]) {
      const token = await accessTokenFor(t, user);
      expect(kidOf(token)).toBe(newKid);
      for (const checker of [a, b]) {
        expect(await tokenStatus(checker, token)).toBe('valid');
        await checker.http().get('/api/me').set('Authorization', `Bearer ${token}`).expect(200);
      }
    }
  });

  it('keys:rotate --now does the same from the command line, and says what it withdrew', async () => {
    const [oldKid] = await publishedKids(b);
    const oldToken = await accessTokenFor(b, user);
    expect(await tokenStatus(a, oldToken)).toBe('valid');
    expect(await tokenStatus(b, oldToken)).toBe('valid');
    const run = await runServerToExit({ DATABASE_URL: database.url, BCRYPT_COST: '4' }, [
      CLI_JS,
      'keys:rotate',
      '--now',
    ]);
    expect(run.code).toBe(0);
    const [, kid, signsFrom, withdrawn] =
      /^New signing key: (\S+) signs from (\S+); withdrawn: (\S+)\n$/.exec(run.stdout) ?? [];
    expect(kid).toBeDefined();
    expect(Math.abs(Date.parse(signsFrom) - Date.now())).toBeLessThan(30_000);
    expect(withdrawn).toBe(oldKid);
    for (const t of [a, b]) {
      expect(await tokenStatus(t, oldToken)).toBe('invalid');
      expect(await publishedKids(t)).toEqual([kid]);
      expect(kidOf(await accessTokenFor(t, user))).toBe(kid);
    }
  });
});

describe('a kid that names no key', () => {
  /** The SQL statements `t` sends that read the signing keys, counted while `run` runs. */
  async function keyReads(t: TestApp, run: () => Promise<void>): Promise<number> {
    const logged = vi.spyOn(t.db.logger, 'logQuery');
    try {
      await run();
      return logged.mock.calls.filter(([query]) => query.includes('signing_key')).length;
    } finally {
      logged.mockRestore();
    }
  }

  it('is looked up once, not for every token naming it, and a key rotated in later is still found at once', async () => {
    const [header, payload, signature] = (await accessTokenFor(a, user)).split('.');
    const withKid = (kid: string) =>
      `${Buffer.from(
        JSON.stringify({
          ...(JSON.parse(Buffer.from(header, 'base64url').toString()) as object),
          kid,
        }),
      ).toString('base64url')}.${payload}.${signature}`;
    const unknown = withKid('A'.repeat(43));
    expect(
      await keyReads(a, async () => {
        for (let i = 0; i < 5; i += 1) expect(await tokenStatus(a, unknown)).toBe('invalid');
      }),
    ).toBe(1);
    // A kid that cannot be a key's thumbprint is not looked up at all.
    expect(
      await keyReads(a, async () =>
        expect(await tokenStatus(a, withKid('no-such-key'))).toBe('invalid'),
      ),
    ).toBe(0);

    // A key another instance rotates in signs at once there, and a finds it on its first token.
    const { kid } = await b.app.get(SigningKeysService).rotate({ now: true });
    const rotated = await accessTokenFor(b, user);
    expect(kidOf(rotated)).toBe(kid);
    expect(await tokenStatus(a, rotated)).toBe('valid');
  });
});

describe('the migration SigningKeyLifecycle', () => {
  const index = migrations.indexOf(SigningKeyLifecycle1764810000000);
  let schema: ScratchSchema;
  beforeAll(async () => {
    schema = await scratchSchema();
  });
  afterAll(() => schema.close());

  it('activates the keys there are at their creation, moves the epoch on a withdrawal, and goes down again', async () => {
    await schema.migratedTo(index);
    await schema.query(
      `INSERT INTO "signing_key" ("kid", "publicKeyPem", "privateKeyPem", "createdAt") ` +
        `VALUES ('old', 'pub', 'priv', '2026-01-02 03:04:05.000')`,
    );

    await schema.migratedTo(index + 1);
    const [row] = await schema.query(
      'SELECT "createdAt", "activatesAt", "withdrawnAt" FROM "signing_key"',
    );
    expect(new Date(row.activatesAt as string).getTime()).toBe(
      new Date(row.createdAt as string).getTime(),
    );
    expect(row.withdrawnAt).toBeNull();
    expect(await schema.movesEpoch(`UPDATE "signing_key" SET "activatesAt" = "createdAt"`)).toBe(
      false,
    );
    expect(await schema.movesEpoch(`UPDATE "signing_key" SET "withdrawnAt" = "createdAt"`)).toBe(
      true,
    );
    expect(await schema.movesEpoch(`DELETE FROM "signing_key"`)).toBe(true);

    await schema.undoLast();
    await expect(schema.query('SELECT "activatesAt" FROM "signing_key"')).rejects.toThrow();
    await expect(schema.query('SELECT "withdrawnAt" FROM "signing_key"')).rejects.toThrow();
  });
});
