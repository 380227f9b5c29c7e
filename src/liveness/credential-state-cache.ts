import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { PreparedRead } from './prepared-read.js';

/**
 * What a check read about a credential or its user, kept while the credential epoch stands still:
 * a counter that the database's own triggers move, in the transaction that makes the change,
 * whenever such an answer may change (see migration CredentialEpoch). A kept answer costs one read
 * of a one-row table instead of the check's own read: on SQLite that saved a quarter of an
 * access-JWT check. Strict, not short-lived: the epoch is read on every use, so a revocation or a
 * disabled user counts from its commit on, whichever instance or writer made it.
 */
export class CredentialStateCache<V> {
  private readonly epoch: PreparedRead;
  private readonly kept: LRUCache<string | number, { epoch: string; value: V }>;

  constructor(dataSource: DataSource, max: number) {
    this.epoch = new PreparedRead(
      dataSource,
      () => `SELECT "value" AS "epoch" FROM "credential_epoch" WHERE "id" = 1`,
    );
    this.kept = new LRUCache({ max });
  }

  /** `read`'s answer for `key`: the kept one while the epoch stands still, else read anew. */
  async get(key: string | number, read: () => Promise<V>): Promise<V> {
    // Read before `read`, so that an answer is never older than the epoch it is kept under.
    const epoch = await this.currentEpoch();
    const kept = this.kept.get(key);
    if (kept?.epoch === epoch) return kept.value;
    const value = await read();
    this.kept.set(key, { epoch, value });
    return value;
  }

  private async currentEpoch(): Promise<string> {
    const [row] = await this.epoch.rows([]);
    return String(this.epoch.value(row, 'epoch'));
  }
}
