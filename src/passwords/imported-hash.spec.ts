import bcrypt from 'bcrypt';
import { IMPORTED_HASH_VECTORS } from '../../test/fixtures/imported-hashes/vectors.js';
import { loadAppConfig } from '../config/app-config.js';
import { readPasswordHash } from './imported-hash.js';
import { PasswordHasher } from './password-hasher.service.js';

const problemOf = (hash: string, cost = 12) => {
  const reading = readPasswordHash(hash, cost);
  return 'problem' in reading ? reading.problem : null;
};

const HEX64 = 'ab'.repeat(32);
const HEX128 = 'cd'.repeat(64);

describe('readPasswordHash', () => {
  it.each(IMPORTED_HASH_VECTORS.map((vector) => [vector.format, vector.source, vector.hash]))(
    'reads the %s hash of %s',
    (_, __, hash) => {
      expect(problemOf(hash)).toBeNull();
    },
  );

  it.each([
    ['pbkdf2 iterations over the bound', `pbkdf2:sha256:10000001$salt$${HEX64}`, /iterations/],
    ['pbkdf2 with no iterations', `pbkdf2:sha256:0$salt$${HEX64}`, /iterations/],
    ['pbkdf2 of another digest', `pbkdf2:sha1:1000$salt$${'ab'.repeat(20)}`, /well-formed/],
    ['pbkdf2 with a short key', `pbkdf2:sha256:1000$salt$${'ab'.repeat(20)}`, /well-formed/],
    ['pbkdf2 with upper-case hex', `pbkdf2:sha256:1000$salt$${'AB'.repeat(32)}`, /well-formed/],
    ['scrypt n over 2^20', `scrypt:2097152:1:1$salt$${HEX128}`, /power of two/],
    ['scrypt n not a power of two', `scrypt:1000:8:1$salt$${HEX128}`, /power of two/],
    ['scrypt r·p over 64', `scrypt:16384:8:9$salt$${HEX128}`, /r·p/],
    ['scrypt over 1 GiB', `scrypt:1048576:16:1$salt$${HEX128}`, /memory/],
    ['scrypt with no salt', `scrypt:16384:8:1$$${HEX128}`, /well-formed/],
    ['argon2i', '$argon2i$v=19$m=4096,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo', /argon2id/],
    ['argon2id v=16', '$argon2id$v=16$m=4096,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo', /argon2id/],
    [
      'argon2id over 256 MiB',
      '$argon2id$v=19$m=524288,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo',
      /argon2id m = /,
    ],
    [
      'argon2id with 11 passes',
      '$argon2id$v=19$m=4096,t=11,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo',
      /argon2id t = /,
    ],
    [
      'argon2id with 17 lanes',
      '$argon2id$v=19$m=4096,t=2,p=17$c29tZXNhbHQ$aGFzaGhhc2hoYXNo',
      /argon2id p = /,
    ],
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
