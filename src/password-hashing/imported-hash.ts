/**
 * Password hashes as the services Gatehouse replaces stored them (docs/security.md, "Imported
 * hashes"): parsed strictly, so that what an import stores is something the login path can verify,
 * and bounded, so that no imported work factor can tie up the server at login.
 */

/** bcrypt as every implementation writes it; $2y$ is PHP's name for what others call $2b$. */
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/**
 * Werkzeug's salt is any string without `$` (its own are letters and digits); its UTF-8 bytes are
 * the salt. Printable ASCII is what any Werkzeug release writes.
 */
const SALT = '([\\x21-\\x23\\x25-\\x7E]{1,64})';
/** Werkzeug's pbkdf2: the key is as long as the digest's, in hex. */
const PBKDF2 = new RegExp(`^pbkdf2:(sha1|sha256|sha512):(\\d{1,9})\\$${SALT}\\$([0-9a-f]+)$`);
/** Werkzeug 3's scrypt: a 64-byte key in hex. */
const SCRYPT = new RegExp(`^scrypt:(\\d{1,8}):(\\d{1,3}):(\\d{1,3})\\$${SALT}\\$([0-9a-f]{128})$`);
/**
 * argon2id in the PHC string format, version 0x13 (every library since 2016), with m, t and p and
 * no other field: libargon2 writes them in that order, node's argon2 as m, p, t.
 */
const ARGON2ID =
  /^\$argon2id\$v=19\$([mtp]=\d{1,7},[mtp]=\d{1,7},[mtp]=\d{1,7})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export type Pbkdf2Digest = 'sha1' | 'sha256' | 'sha512';

/** The key Werkzeug stores: the digest's own length. */
const PBKDF2_KEY_BYTES: Record<Pbkdf2Digest, number> = { sha1: 20, sha256: 32, sha512: 64 };

/** The longest hash stored: the `passwordHash` column's length. */
export const MAX_HASH_LENGTH = 255;

/**
 * The work factors an imported hash may ask for, so that no login of an imported user costs the
 * server much more than a bcrypt at cost 13: pbkdf2 about twice the iterations OWASP recommends
 * for its digest (1,300,000 for sha1, 600,000 for sha256, 210,000 for sha512); scrypt and argon2id
 * at most 64 MiB (twice Werkzeug 3's scrypt, RFC 9106's second recommendation for argon2id), with
 * at most 4 lanes and argon2id 10 passes. bcrypt: the configured cost or 14, whichever is higher.
 */
export const IMPORT_BOUNDS = {
  pbkdf2MaxIterations: { sha1: 3_000_000, sha256: 1_300_000, sha512: 600_000 },
  scryptMaxMemoryBytes: 2 ** 26,
  scryptMaxP: 4,
  argon2MaxMemoryKib: 65_536,
  argon2MaxPasses: 10,
  argon2MaxLanes: 4,
  bcryptMinMaxCost: 14,
} as const;

export type ParsedHash =
  | { format: 'bcrypt'; cost: number }
  | { format: 'pbkdf2'; digest: Pbkdf2Digest; iterations: number; salt: string; key: Buffer }
  | { format: 'scrypt'; n: number; r: number; p: number; salt: string; key: Buffer }
  | { format: 'argon2id' };

/**
 * A parsed hash, or why it cannot be stored: words that follow the field's name ("passwordHash has
 * …"), and never repeat the hash.
 */
export type HashReading = { hash: ParsedHash } | { problem: string };

const count = (value: number) => value.toLocaleString('en');

/**
 * Reads a stored or imported hash. `configuredCost` is BCRYPT_COST, which raises the bcrypt bound.
 */
export function readPasswordHash(hash: string, configuredCost: number): HashReading {
  if (hash.length > MAX_HASH_LENGTH) {
    return { problem: `is longer than ${MAX_HASH_LENGTH} characters` };
  }
  if (hash.startsWith('$2')) return readBcrypt(hash, configuredCost);
  if (hash.startsWith('pbkdf2:')) return readPbkdf2(hash);
  if (hash.startsWith('scrypt:')) return readScrypt(hash);
  if (hash.startsWith('$argon2')) return readArgon2id(hash);
  return {
    problem:
      'is not a hash format Gatehouse takes: bcrypt ($2a$, $2b$, $2y$), ' +
      'pbkdf2:<sha1|sha256|sha512>:<iterations>$salt$hex, scrypt:<n>:<r>:<p>$salt$hex or an ' +
      'argon2id PHC string',
  };
}

function readBcrypt(hash: string, configuredCost: number): HashReading {
  const match = BCRYPT.exec(hash);
  if (!match) return { problem: 'is not a well-formed bcrypt hash' };
  const cost = Number(match[1]);
  const maxCost = Math.max(configuredCost, IMPORT_BOUNDS.bcryptMinMaxCost);
  if (cost < 4 || cost > maxCost) {
    return { problem: `has a bcrypt cost of ${cost}: 4 to ${maxCost} are taken` };
  }
  return { hash: { format: 'bcrypt', cost } };
}

function readPbkdf2(hash: string): HashReading {
  const match = PBKDF2.exec(hash);
  const digest = match?.[1] as Pbkdf2Digest | undefined;
  if (!match || !digest || match[4].length !== 2 * PBKDF2_KEY_BYTES[digest]) {
    return {
      problem:
        'is not a well-formed pbkdf2:<sha1|sha256|sha512>:<iterations>$salt$hex hash ' +
        '(the key as long as the digest: 40, 64 or 128 hex digits)',
    };
  }
  const iterations = Number(match[2]);
  const maxIterations = IMPORT_BOUNDS.pbkdf2MaxIterations[digest];
  if (iterations < 1 || iterations > maxIterations) {
    return {
      problem: `has ${count(iterations)} pbkdf2 ${digest} iterations: 1 to ${count(maxIterations)} are taken`,
    };
  }
  return {
    hash: {
      format: 'pbkdf2',
      digest,
      iterations,
      salt: match[3],
      key: Buffer.from(match[4], 'hex'),
    },
  };
}

function readScrypt(hash: string): HashReading {
  const match = SCRYPT.exec(hash);
  if (!match) {
    return {
      problem: 'is not a well-formed scrypt:<n>:<r>:<p>$salt$hex hash (128 hex digits)',
    };
  }
  const [n, r, p] = [match[1], match[2], match[3]].map(Number);
  if (n < 2 || (n & (n - 1)) !== 0) {
    return { problem: `has scrypt n = ${count(n)}: a power of two from 2 is taken` };
  }
  if (r < 1 || p < 1 || p > IMPORT_BOUNDS.scryptMaxP) {
    return {
      problem: `has scrypt r = ${r}, p = ${p}: r from 1 and p from 1 to ${IMPORT_BOUNDS.scryptMaxP} are taken`,
    };
  }
  if (128 * n * r > IMPORT_BOUNDS.scryptMaxMemoryBytes) {
    return {
      problem: `needs more than 64 MiB of scrypt memory (128·n·r bytes, n = ${count(n)}, r = ${r})`,
    };
  }
  // OpenSSL, which node's scrypt calls, computes only n < 2^(16·r): past it every login would fail.
  if (Math.log2(n) >= 16 * r) {
    return {
      problem: `has scrypt n = ${count(n)} with r = ${r}, which cannot be verified: n must be below 2^(16·r)`,
    };
  }
  return {
    hash: { format: 'scrypt', n, r, p, salt: match[4], key: Buffer.from(match[5], 'hex') },
  };
}

function readArgon2id(hash: string): HashReading {
  const match = ARGON2ID.exec(hash);
  const params = new Map(match?.[1].split(',').map((param) => [param[0], Number(param.slice(2))]));
  if (!match || params.size !== 3) {
    return {
      problem: 'is not a well-formed argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)',
    };
  }
  const [m, t, p] = ['m', 't', 'p'].map((name) => params.get(name)!);
  const saltBytes = Buffer.from(match[2], 'base64').length;
  const keyBytes = Buffer.from(match[3], 'base64').length;
  if (p < 1 || p > IMPORT_BOUNDS.argon2MaxLanes) {
    return {
      problem: `has argon2id p = ${p}: 1 to ${IMPORT_BOUNDS.argon2MaxLanes} lanes are taken`,
    };
  }
  if (m < 8 * p || m > IMPORT_BOUNDS.argon2MaxMemoryKib) {
    return {
      problem: `has argon2id m = ${count(m)}: 8·p to ${count(IMPORT_BOUNDS.argon2MaxMemoryKib)} KiB are taken`,
    };
  }
  if (t < 1 || t > IMPORT_BOUNDS.argon2MaxPasses) {
    return {
      problem: `has argon2id t = ${t}: 1 to ${IMPORT_BOUNDS.argon2MaxPasses} passes are taken`,
    };
  }
  if (saltBytes < 8 || saltBytes > 64 || keyBytes < 4 || keyBytes > 64) {
    return {
      problem:
        'has an argon2id salt or hash of a length not taken (salt 8 to 64 bytes, hash 4 to 64)',
    };
  }
  return { hash: { format: 'argon2id' } };
}
