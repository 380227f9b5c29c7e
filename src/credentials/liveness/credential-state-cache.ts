import { LRUCache } from 'lru-cache';

/**
 * One read of the credential epoch: a counter that the database's own triggers move, in the
 * transaction that makes the change, whenever an answer a check keeps may change (see migration
 * CredentialEpoch). Read at most once, when first asked, and shared by the reads of one request:
 * the request then answers as of that moment, which is after it arrived.
 */
export class EpochSnapshot {
  private epoch: Promise<string> | null = null;

  private constructor(private readonly read: () => Promise<string>) {}

  /** A snapshot that reads the epoch when first asked. */
  static reading(read: () => Promise<string>): EpochSnapshot {
    return new EpochSnapshot(read);
  }

  /** A snapshot of an epoch already read, in the same statement as what it came with. */
  static of(epoch: unknown): EpochSnapshot {
    return new EpochSnapshot(() => Promise.resolve(String(epoch)));
  }

  value(): Promise<string> {
    return (this.epoch ??= this.read());
  }
}

/**
 * What a check read about a credential or its user, kept while the credential epoch stands still.
 * A kept answer costs a read of a one-row table, or none when the epoch came with another read
 * (a session's), instead of the check's own read: on SQLite that saved a quarter of an access-JWT
 * check. Strict, not short-lived: the epoch is read for every request, so a revocation or a
 * disabled user counts from its commit on, whichever instance or writer made it.
 */
export class CredentialStateCache<V> {
  private readonly kept: LRUCache<string | number, { epoch: string; value: V }>;

  constructor(max: number) {
    this.kept = new LRUCache({ max });
  }

  /** `read`'s answer for `key`: the kept one while the epoch stands still, else read anew. */
  async get(key: string | number, snapshot: EpochSnapshot, read: () => Promise<V>): Promise<V> {
    // The epoch is read before `read`, so that an answer is never older than the epoch it is
    // kept under.
    const epoch = await snapshot.value();
    const kept = this.keptAt(key, epoch);
    if (kept !== undefined) return kept;
    const value = await read();
    this.keep(key, epoch, value);
    return value;
  }

  /** The answer kept for `key` if the epoch is still `epoch`, else undefined (and it is let go). */
  keptAt(key: string | number, epoch: string): V | undefined {
    const kept = this.kept.get(key);
    if (kept?.epoch === epoch) return kept.value;
    if (kept) this.kept.delete(key);
    return undefined;
  }

  /**
   * Keeps `value` for `key` under `epoch`, which the caller read before it read `value`: for a
   * caller that keeps only some answers, and so cannot hand get() its read.
   */
  keep(key: string | number, epoch: string, value: V): void {
    this.kept.set(key, { epoch, value });
  }

  /** Lets go of what is kept for `key`. */
  forget(key: string | number): void {
    this.kept.delete(key);
  }
}
