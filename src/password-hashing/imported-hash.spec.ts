import { scrypt } from 'node:crypto';
import { hash as argon2Hash, argon2id } from 'argon2';
import bcrypt from 'bcrypt';
import {
  AT_BOUNDS_VECTORS,
  IMPORTED_HASH_VECTORS,
} from '../../test/fixtures/imported-hashes/vectors.js';
import { loadAppConfig } from '../config/app-config.js';
import { readPasswordHash } from './imported-hash.js';
import { PasswordHasher } from './password-hasher.service.js';

const problemOf = (hash: string, cost = 12) => {
  const reading = readPasswordHash(hash, cost);
  return 'problem' in reading ? reading.problem : null;
};

const HEX40 = 'ef'.repeat(20);
const HEX64 = 'ab'.repeat(32);
const HEX128 = 'cd'.repeat(64);
const argon2 = (params: string) => `$argon2id$v=19$${params}$c29tZXNhbHQ$aGFzaGhhc2hoYXNo`;

describe('readPasswordHash', () => {
  it.each(IMPORTED_HASH_VECTORS.map((vector) => [vector.format, vector.source, vector.hash]))(
    'reads the %s hash of %s',
    (_, __, hash) => {
      expect(problemOf(hash)).toBeNull();
    },
  );

  it.each([
    ['pbkdf2 sha256 at 1,300,000 iterations', `pbkdf2:sha256:1300000$salt$${HEX64}`],
    ['pbkdf2 sha1 at 3,000,000 iterations', `pbkdf2:sha1:3000000$salt$${HEX40}`],
    ['pbkdf2 sha512 at 600,000 iterations', `pbkdf2:sha512:600000$salt$${HEX128}`],
    ['scrypt at 64 MiB with p = 4', `scrypt:65536:8:4$salt$${HEX128}`],
    ['scrypt at 64 MiB with r = 2', `scrypt:262144:2:1$salt$${HEX128}`],
    ['scrypt with r = 1 at its largest n', `scrypt:32768:1:4$salt$${HEX128}`],
    ['argon2id at 64 MiB, t = 10, p = 4', argon2('m=65536,t=10,p=4')],
  ])('takes %s, at the bound', (_, hash) => {
    expect(problemOf(hash)).toBeNull();
  });

  it.each([
    [
      'pbkdf2 sha256 over the bound',
      `pbkdf2:sha256:1300001$salt$${HEX64}`,
      /1,300,001 pbkdf2 sha256 iterations: 1 to 1,300,000/,
    ],
    [
      'pbkdf2 sha1 over the bound',
      `pbkdf2:sha1:3000001$salt$${HEX40}`,
      /3,000,001 pbkdf2 sha1 iterations: 1 to 3,000,000/,
    ],
    [
      'pbkdf2 sha512 over the bound',
      `pbkdf2:sha512:600001$salt$${HEX128}`,
      /600,001 pbkdf2 sha512 iterations: 1 to 600,000/,
    ],
    ['pbkdf2 with no iterations', `pbkdf2:sha256:0$salt$${HEX64}`, /iterations/],
    ['pbkdf2 of another digest', `pbkdf2:md5:1000$salt$${'ab'.repeat(16)}`, /well-formed/],
    ['pbkdf2 sha1 with a sha256-long key', `pbkdf2:sha1:1000$salt$${HEX64}`, /well-formed/],
    ['pbkdf2 sha512 with a short key', `pbkdf2:sha512:1000$salt$${HEX64}`, /well-formed/],
    ['pbkdf2 with a short key', `pbkdf2:sha256:1000$salt$${'ab'.repeat(20)}`, /well-formed/],
    ['pbkdf2 with upper-case hex', `pbkdf2:sha256:1000$salt$${'AB'.repeat(32)}`, /well-formed/],
    ['scrypt over 64 MiB by r', `scrypt:65536:9:1$salt$${HEX128}`, /more than 64 MiB/],
    ['scrypt over 64 MiB by n', `scrypt:131072:8:1$salt$${HEX128}`, /more than 64 MiB/],
    ['scrypt with p = 5', `scrypt:16384:8:5$salt$${HEX128}`, /p = 5: r from 1 and p from 1 to 4/],
    ['scrypt with r = 1 and n = 2^16', `scrypt:65536:1:1$salt$${HEX128}`, /cannot be verified/],
    ['scrypt with r = 1 and n = 2^19', `scrypt:524288:1:1$salt$${HEX128}`, /cannot be verified/],
    ['scrypt n not a power of two', `scrypt:1000:8:1$salt$${HEX128}`, /power of two/],
    ['scrypt with no salt', `scrypt:16384:8:1$$${HEX128}`, /well-formed/],
    ['argon2i', '$argon2i$v=19$m=4096,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo', /argon2id/],
    ['argon2id v=16', '$argon2id$v=16$m=4096,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo', /argon2id/],
    ['argon2id with m twice', argon2('m=4096,m=4096,p=1'), /well-formed/],
    ['argon2id with a fourth parameter', argon2('m=4096,t=2,p=1,k=1'), /well-formed/],
    ['argon2id over 64 MiB', argon2('m=65537,t=2,p=1'), /argon2id m = 65,537: 8·p to 65,536 KiB/],
    ['argon2id with 11 passes', argon2('m=4096,t=11,p=1'), /argon2id t = 11: 1 to 10 passes/],
    ['argon2id with 5 lanes', argon2('m=4096,t=2,p=5'), /argon2id p = 5: 1 to 4 lanes/],
    ['argon2id with a short salt', '$argon2id$v=19$m=4096,t=2,p=1$c2FsdA$aGFzaGhhc2hoYXNo', /salt/],
    ['bcrypt at cost 15', `$2b$15$${'a'.repeat(53)}`, /cost/],
    ['bcrypt at cost 3', `$2b$03$${'a'.repeat(53)}`, /cost/],
    ['a truncated bcrypt', `$2b$10$${'a'.repeat(50)}`, /well-formed/],
    ['$2x$ (crypt_blowfish’s buggy mode)', `$2x$10$${'a'.repeat(53)}`, /well-formed/],
    ['a plain password', 'hunter2-hunter2', /not a hash format/],
    ['MD5 crypt', '$1$saltsalt$qjXMvbEw8oaL.CzflDugX/', /not a hash format/],
    ['a hash longer than the column', `pbkdf2:sha256:1000$${'s'.repeat(200)}$${HEX64}`, /longer/],
  ])('refuses %s', (_, hash, problem) => {
    expect(problemOf(hash)).toMatch(problem);
  });

  it('admits bcrypt up to cost 14, or the configured cost when higher', () => {
    expect(problemOf(`$2b$14$${'a'.repeat(53)}`)).toBeNull();
    expect(problemOf(`$2b$16$${'a'.repeat(53)}`, 16)).toBeNull();
  });

  it('never repeats the hash in its message', () => {
    const hash = `pbkdf2:sha256:99999999$secret-salt$${HEX64}`;
    expect(problemOf(hash)).not.toContain('secret-salt');
    expect(problemOf(hash)).not.toContain(HEX64);
  });

  it("refuses the scrypt parameters node's scrypt cannot compute (r = 1 with n from 2^16), as node does", () => {
    // Refused parameters throw at once, before any work; taken ones are verified below.
    for (const n of [2 ** 16, 2 ** 17, 2 ** 18, 2 ** 19]) {
      expect(problemOf(`scrypt:${n}:1:1$salt$${HEX128}`)).toMatch(/cannot be verified/);
      expect(() =>
        scrypt('password', 'salt', 64, { N: n, r: 1, p: 1, maxmem: 2 ** 30 }, () => {}),
      ).toThrow(/Invalid scrypt params/);
    }
  });
});

describe('PasswordHasher with imported hashes', () => {
  const hasher = new PasswordHasher(loadAppConfig({ BCRYPT_COST: '4' }));

  it.each(IMPORTED_HASH_VECTORS.map((vector) => [vector.format, vector.source, vector]))(
    'verifies the %s hash of %s, and not its wrong password',
    async (_, __, vector) => {
      await expect(hasher.verify(vector.password, vector.hash)).resolves.toBe(true);
      await expect(hasher.verify(vector.wrong, vector.hash)).resolves.toBe(false);
    },
  );

  it('asks for a bcrypt hash in place of every imported format but bcrypt at the cost', () => {
    for (const vector of IMPORTED_HASH_VECTORS) {
      expect(hasher.needsRehash(vector.hash, vector.password)).toBe(
        !vector.format.startsWith('bcrypt'),
      );
    }
  });

  it('keeps the imported hash of a password bcrypt could not read whole', () => {
    const pbkdf2 = IMPORTED_HASH_VECTORS.find((vector) => vector.format === 'pbkdf2')!;
    expect(hasher.needsRehash(pbkdf2.hash, 'x'.repeat(73))).toBe(false);
    expect(hasher.needsRehash(pbkdf2.hash, 'x'.repeat(72))).toBe(true);
  });

  it('verifies the NFKC form of an imported password as well as the form typed', async () => {
    // Werkzeug hashed what was typed: here plain ASCII, later typed with fullwidth letters.
    const { hash } = IMPORTED_HASH_VECTORS.find((vector) => vector.password === 'correct horse 1')!;
    await expect(hasher.verify('ｃｏｒｒｅｃｔ horse 1', hash)).resolves.toBe(true);
    await expect(hasher.verify('ｃｏｒｒｅｃｔ horse 2', hash)).resolves.toBe(false);
  });

  it('matches nothing with a stored hash past the bounds, without deriving it', async () => {
    const overBound = `pbkdf2:sha256:99999999$salt$${HEX64}`;
    await expect(hasher.verify('anything', overBound)).resolves.toBe(false);
  });

  it('matches nothing, and throws nothing, with a stored scrypt hash no scrypt can verify', async () => {
    await expect(hasher.verify('anything', `scrypt:65536:1:1$salt$${HEX128}`)).resolves.toBe(false);
  });

  it.each(AT_BOUNDS_VECTORS.map((vector) => [vector.hash.split('$')[0], vector]))(
    'verifies %s, at the bounds, made by Werkzeug',
    async (_, vector) => {
      await expect(hasher.verify(vector.password, vector.hash)).resolves.toBe(true);
    },
  );

  it("verifies argon2id at 64 MiB and at 10 passes, each with 4 lanes, as node's argon2 writes it (m, p, t)", async () => {
    for (const [memoryCost, timeCost] of [
      [65_536, 1],
      [32, 10],
    ]) {
      const hash = await argon2Hash('argon2 at the bounds', {
        type: argon2id,
        memoryCost,
        timeCost,
        parallelism: 4,
      });
      expect(problemOf(hash)).toBeNull();
      await expect(hasher.verify('argon2 at the bounds', hash)).resolves.toBe(true);
    }
  });

  it('costs at least the bcrypt of an unknown user for an imported hash', async () => {
    const compare = vi.spyOn(bcrypt, 'compare');
    try {
      await hasher.verify('not it', IMPORTED_HASH_VECTORS[0].hash);
      expect(compare).toHaveBeenCalledTimes(1);
    } finally {
      compare.mockRestore();
    }
  });
});
