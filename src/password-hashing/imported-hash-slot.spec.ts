import { Logger } from '@nestjs/common';
import bcrypt from 'bcrypt';
import { IMPORTED_HASH_VECTORS } from '../../test/fixtures/imported-hashes/vectors.js';
import { loadAppConfig } from '../config/app-config.js';
import { PasswordHasher } from './password-hasher.service.js';

/** What reached the thread pool, in order: each derivation's start and end, each bcrypt's start. */
const pool = vi.hoisted(() => ({
  events: [] as string[],
  deriving: 0,
  mostDeriving: 0,
  failArgon2: false,
}));

vi.mock('node:crypto', async (importOriginal) => {
  const { withWatchedPbkdf2 } = await import('../../test/support/watched-pbkdf2.js');
  return withWatchedPbkdf2(await importOriginal(), {
    started: () => {
      pool.events.push('derive');
      pool.deriving += 1;
      pool.mostDeriving = Math.max(pool.mostDeriving, pool.deriving);
    },
    finished: () => {
      pool.deriving -= 1;
      pool.events.push('derived');
    },
  });
});

vi.mock('argon2', async (importOriginal) => {
  const argon2 = await importOriginal<typeof import('argon2')>();
  const verify = (hash: string, password: string) =>
    pool.failArgon2
      ? Promise.reject(new Error('Memory allocation error'))
      : argon2.verify(hash, password);
  return { ...argon2, default: { ...argon2, verify }, verify };
});

const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
const argon2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'argon2id')!;

describe('PasswordHasher: imported hashes on the hashing pool', () => {
  const hasher = new PasswordHasher(loadAppConfig({ BCRYPT_COST: '4' }));
  const wrong = Array.from({ length: 6 }, (_, i) => `wrong password ${i}`);

  beforeEach(() => {
    pool.events.length = 0;
    pool.mostDeriving = 0;
  });

  it('derives one imported hash at a time, however many logins wait', async () => {
    const answers = await Promise.all(
      wrong.map((password) => hasher.verify(password, pbkdf2.hash)),
    );
    expect(answers).toEqual(wrong.map(() => false));
    expect(pool.events.filter((event) => event === 'derive')).toHaveLength(6);
    expect(pool.mostDeriving).toBe(1);
  });

  it("holds another user's bcrypt back by at most the one derivation under way", async () => {
    const own = await hasher.hash('a user of bcrypt');
    const bcryptCompare = bcrypt.compare.bind(bcrypt) as (
      data: string,
      hash: string,
    ) => Promise<boolean>;
    const compare = vi.spyOn(bcrypt, 'compare').mockImplementation(((
      data: string,
      hash: string,
    ) => {
      if (hash === own) pool.events.push('bcrypt of another user');
      return bcryptCompare(data, hash);
    }) as typeof bcrypt.compare);
    try {
      const imported = wrong.map((password) => hasher.verify(password, pbkdf2.hash));
      const other = hasher.verify('a user of bcrypt', own);
      await expect(other).resolves.toBe(true);
      await Promise.all(imported);
    } finally {
      compare.mockRestore();
    }
    const otherAt = pool.events.indexOf('bcrypt of another user');
    expect(otherAt).toBeGreaterThanOrEqual(0);
    const derivedBefore = pool.events.slice(0, otherAt).filter((event) => event === 'derive');
    expect(derivedBefore.length).toBeLessThanOrEqual(1);
  });

  it('answers a derivation that fails as a password that does not match, and says so in the log', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    pool.failArgon2 = true;
    try {
      await expect(hasher.verify(argon2.password, argon2.hash)).resolves.toBe(false);
      expect(warn).toHaveBeenCalledWith(
        'An imported hash could not be checked: Memory allocation error',
      );
    } finally {
      pool.failArgon2 = false;
      warn.mockRestore();
    }
    await expect(hasher.verify(argon2.password, argon2.hash)).resolves.toBe(true);
  });
});
