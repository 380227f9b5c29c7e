import { readFileSync, readdirSync } from 'node:fs';
import bcrypt from 'bcrypt';
import { loadAppConfig } from '../config/app-config.js';
import { Piscina } from 'piscina';
import { BCRYPT_POOL_OPTIONS, BCRYPT_THREADS, PasswordHasher } from './password-hasher.service.js';

function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('PasswordHasher', () => {
  let hasher: PasswordHasher;

  beforeAll(() => {
    hasher = new PasswordHasher(loadAppConfig({ BCRYPT_COST: '4' }));
  });

  afterAll(() => hasher.onApplicationShutdown());

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

  it('runs bcrypt calls in the order asked (on one thread, where answer order is run order)', async () => {
    const pool = new Piscina({ ...BCRYPT_POOL_OPTIONS, minThreads: 1, maxThreads: 1 });
    const hash = await hasher.hash('first come');
    const answered: number[] = [];
    const calls = Array.from({ length: 16 }, (_, n) =>
      pool.run({ password: 'first come', hash }, { name: 'compare' }).then(() => answered.push(n)),
    );
    await Promise.all(calls);
    await pool.close();
    expect(answered).toEqual(Array.from({ length: 16 }, (_, n) => n));
  });

  it.runIf(process.platform === 'linux')(
    'runs bcrypt on its pool of lowest-priority threads, leaving the event loop at its own',
    async () => {
      await Promise.all([1, 2, 3, 4].map((n) => hasher.hash(`password ${n}`)));
      const nice = readdirSync('/proc/self/task').map((tid) =>
        niceOf(`/proc/self/task/${tid}/stat`),
      );
      expect(nice.filter((value) => value === 19)).toHaveLength(BCRYPT_THREADS);
      expect(niceOf('/proc/thread-self/stat')).toBeLessThan(19);
    },
  );
});
