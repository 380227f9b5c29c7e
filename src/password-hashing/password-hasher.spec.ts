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

  it('hashes and verifies the NFKC form, so one password typed on two keyboards is one', async () => {
    const hash = await hasher.hash('ｑｕｉｅｔ ﬁre');
    expect(await bcrypt.compare('quiet fire', hash)).toBe(true);
    await expect(hasher.verify('quiet fire', hash)).resolves.toBe(true);
    await expect(hasher.verify('ｑｕｉｅｔ ﬁre', hash)).resolves.toBe(true);
    await expect(hasher.verify('quiet fir', hash)).resolves.toBe(false);
  });

  it('still verifies a hash made of the raw form before passwords were normalized', async () => {
    const legacy = bcrypt.hashSync('ｑｕｉｅｔ ﬁre', 4);
    await expect(hasher.verify('ｑｕｉｅｔ ﬁre', legacy)).resolves.toBe(true);
    await expect(hasher.verify('ｑｕｉｅｔ ﬁrE', legacy)).resolves.toBe(false);
    await expect(hasher.matchesForeignHash('ｑｕｉｅｔ ﬁre', legacy)).resolves.toBe(true);
    await expect(
      hasher.matchesForeignHash('quiet fire', bcrypt.hashSync('quiet fire', 4)),
    ).resolves.toBe(true);
    await expect(
      hasher.matchesForeignHash('ｑｕｉｅｔ ﬁre', bcrypt.hashSync('quiet fire', 4)),
    ).resolves.toBe(true);
  });

  it('runs a second bcrypt only for a password NFKC changes, known user or not', async () => {
    const hash = await hasher.hash('quiet fire');
    const compare = vi.spyOn(bcrypt, 'compare');
    const comparesFor = async (password: string, stored: string | null) => {
      compare.mockClear();
      await hasher.verify(password, stored);
      return compare.mock.calls.length;
    };
    try {
      expect(await comparesFor('wrong fire', hash)).toBe(1);
      expect(await comparesFor('wrong fire', null)).toBe(1);
      expect(await comparesFor('ｗｒｏｎｇ fire', hash)).toBe(2);
      expect(await comparesFor('ｗｒｏｎｇ fire', null)).toBe(2);
      expect(await comparesFor('ｑｕｉｅｔ fire', hash)).toBe(1);
    } finally {
      compare.mockRestore();
    }
  });

  it('keeps the raw form when rehashing a password whose NFKC form bcrypt could not read whole', async () => {
    // U+FDFA is 3 bytes that NFKC spells out in 33: four are 12 bytes as typed and 132 normalized.
    // The policy refuses such a password now; one set before, and rehashed at login at a higher
    // cost, must go on verifying.
    const expands = '\uFDFA'.repeat(4);
    const hash = await hasher.hash(expands);
    await expect(hasher.verify(expands, hash)).resolves.toBe(true);
  });

  it('judges a new password by the configured policy', () => {
    expect(hasher.policyViolation('password')).toMatch(/most common passwords/);
    expect(hasher.policyViolation('ｐａｓｓｗｏｒｄ')).toMatch(/most common passwords/);
    const lenient = new PasswordHasher(
      loadAppConfig({ BCRYPT_COST: '4', PASSWORD_REFUSE_COMMON: 'false' }),
    );
    expect(lenient.policyViolation('password')).toBeNull();
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
