import type { BinaryLike } from 'node:crypto';

type Crypto = typeof import('node:crypto');

/**
 * node:crypto whose callback `pbkdf2` (the one imported hashes are derived with) tells `watch`
 * when each derivation starts and ends, for a test's `vi.mock('node:crypto', …)` to return: how
 * many run at once is what the hashing slot decides.
 */
export function withWatchedPbkdf2(
  crypto: Crypto,
  watch: { started(): void; finished(): void },
): Crypto {
  const pbkdf2 = (
    password: BinaryLike,
    salt: BinaryLike,
    iterations: number,
    length: number,
    digest: string,
    done: (error: Error | null, key: Buffer) => void,
  ) => {
    watch.started();
    crypto.pbkdf2(password, salt, iterations, length, digest, (error, key) => {
      watch.finished();
      done(error, key);
    });
  };
  return { ...crypto, default: { ...crypto, pbkdf2 }, pbkdf2 } as Crypto;
}
