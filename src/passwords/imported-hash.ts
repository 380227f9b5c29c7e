/**
 * Password hashes as the services Gatehouse replaces stored them (SPEC §3, "Importing users"):
 * parsed strictly, so that what an import stores is something the login path can verify, and
 * bounded, so that no imported work factor can tie up the server at login.
 */

/** bcrypt as every implementation writes it; $2y$ is PHP's name for what others call $2b$. */
const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;
/**
 * Werkzeug's salt is any string without `$` (its own are letters and digits); its UTF-8 bytes are
 * the salt. Printable ASCII is what any Werkzeug release writes.
 */
const SALT = '([\\x21-\\x23\\x25-\\x7E]{1,64})';
/** Werkzeug's pbkdf2: the key is as long as SHA-256's digest, 32 bytes in hex. */
const PBKDF2 = new RegExp(`^pbkdf2:sha256:(\\d{1,9})\\$${SALT}\\$([0-9a-f]{64})$`);
/** Werkzeug 3's scrypt: a 64-byte key in hex. */
const SCRYPT = new RegExp(`^scrypt:(\\d{1,8}):(\\d{1,3}):(\\d{1,3})\\$${SALT}\\$([0-9a-f]{128})$`);
/** argon2id in the PHC string format, version 0x13 (every library since 2016), no extra fields. */
const ARGON2ID =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** The longest hash stored: the `passwordHash` column's length. */
export const MAX_HASH_LENGTH = 255;

/**
 * The work factors an imported hash may ask for. pbkdf2 and scrypt as SPEC §3 says; scrypt's
 * memory (128·n·r bytes) besides, which n and r·p alone leave at up to 8 GiB: 1 GiB admits n = 2^20
 * with the usual r = 8. argon2id: up to 256 MiB, 10 passes and 16 lanes, past every library's
 * default (PHP: 64 MiB, t=4, p=1; argon2-cffi: 64 MiB, t=3, p=4; RFC 9106's second
 * recommendation: 64 MiB, t=3, p=4). bcrypt: the configured cost or 14 (about a second at this
 * machine's speed), whichever is higher.
 */
export const IMPORT_BOUNDS = {
  pbkdf2MaxIterations: 10_000_000,
  scryptMaxN: 2 ** 20,
  scryptMaxRP: 64,
  scryptMaxMemoryBytes: 2 ** 30,
  argon2MaxMemoryKib: 262_144,
  argon2MaxPasses: 10,
  argon2MaxLanes: 16,
  bcryptMinMaxCost: 14,
} as const;

export type ParsedHash =
  | { format: 'bcrypt'; cost: number }
  | { format: 'pbkdf2'; iterations: number; salt: string; key: Buffer }
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
      'pbkdf2:sha256:<iterations>$salt$hex, scrypt:<n>:<r>:<p>$salt$hex or an argon2id PHC string',
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
  if (!match) {
    return {
      problem: 'is not a well-formed pbkdf2:sha256:<iterations>$salt$hex hash (64 hex digits)',
    };
  }
  const iterations = Number(match[1]);
  if (iterations < 1 || iterations > IMPORT_BOUNDS.pbkdf2MaxIterations) {
    return {
      problem: `has ${count(iterations)} pbkdf2 iterations: 1 to ${count(IMPORT_BOUNDS.pbkdf2MaxIterations)} are taken`,
    };
  }
  return {
    hash: { format: 'pbkdf2', iterations, salt: match[2], key: Buffer.from(match[3], 'hex') },
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
  if (n < 2 || n > IMPORT_BOUNDS.scryptMaxN || (n & (n - 1)) !== 0) {
    return {
      problem: `has scrypt n = ${count(n)}: a power of two from 2 to 2^20 (${count(IMPORT_BOUNDS.scryptMaxN)}) is taken`,
    };
  }
  if (r < 1 || p < 1 || r * p > IMPORT_BOUNDS.scryptMaxRP) {
    return {
      problem: `has scrypt r = ${r}, p = ${p}: r and p from 1 with r·p at most ${IMPORT_BOUNDS.scryptMaxRP} are taken`,
    };
  }
  if (128 * n * r > IMPORT_BOUNDS.scryptMaxMemoryBytes) {
    return {
      problem: `needs more than 1 GiB of scrypt memory (128·n·r bytes, n = ${n}, r = ${r})`,
    };
  }
  return {
    hash: { format: 'scrypt', n, r, p, salt: match[4], key: Buffer.from(match[5], 'hex') },
  };
}

function readArgon2id(hash: string): HashReading {
  const match = ARGON2ID.exec(hash);
  if (!match) {
    return {
      problem: 'is not a well-formed argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)',
    };
  }
  const [m, t, p] = [match[1], match[2], match[3]].map(Number);
  const saltBytes = Buffer.from(match[4], 'base64').length;
  const keyBytes = Buffer.from(match[5], 'base64').length;
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
