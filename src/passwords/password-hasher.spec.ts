import { stat } from 'node:fs/promises';
import bcrypt from 'bcrypt';
import { loadAppConfig } from '../config/app-config.js';
import { BCRYPT_CONCURRENCY, PasswordHasher } from './password-hasher.service.js';

describe('PasswordHasher', () => {
  let hasher: PasswordHasher;

  beforeAll(() => {
    hasher = new PasswordHasher(loadAppConfig({ BCRYPT_COST: '4' }));
  });

  it('hashes at the configured cost and verifies against the hash', async () => {
    const hash = await hasher.hash('correct horse');
    expect(bcrypt.getRounds(hash)).toBe(4);
    await expect(hasher.verify('correct horse', hash)).resolves.toBe(true);
    await expect(hasher.verify('wrong horse', hash)).resolves.toBe(false);
    await expect(hasher.verify('correct horse', null)).resolves.toBe(false);
  });

  it('never matches a password that bcrypt would truncate', async () => {
    const hash = await hasher.hash('a'.repeat(72));
    await expect(hasher.verify('a'.repeat(73), hash)).resolves.toBe(false);
  });

  it('compares foreign bcrypt hashes up to a cost cap', async () => {
    await expect(hasher.matchesForeignHash('pw', bcrypt.hashSync('pw', 5))).resolves.toBe(true);
    await expect(hasher.matchesForeignHash('pw', 'not a hash')).resolves.toBeNull();
    await expect(hasher.matchesForeignHash('pw', `$2b$14$${'a'.repeat(53)}`)).resolves.toBeNull();
  });

  it("leaves one of libuv's threads free for other work while bcrypt is busy", async () => {
    const costlyHash = bcrypt.hashSync('costly', 12);
    const finished: string[] = [];
    const compares = Array.from({ length: BCRYPT_CONCURRENCY + 2 }, () =>
      hasher.verify('costly', costlyHash).then(() => finished.push('bcrypt')),
    );
    await new Promise((resolve) => setImmediate(resolve));
    await stat('.').then(() => finished.push('file read'));
    await Promise.all(compares);
    expect(finished[0]).toBe('file read');
  });
});
