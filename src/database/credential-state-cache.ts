import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { PreparedRead } from './prepared-read.js';

/**
 * The credential epoch as a select-list item, for the read whose answer is to be kept: read in the
 * same statement, so that the answer is never newer than the epoch it is kept under.
 */
export const CREDENTIAL_EPOCH_COLUMN = `(SELECT "value" FROM "credential_epoch") AS "epoch"`;

/** A read's answer and the credential epoch it was read at. */
export interface EpochRead<V> {
  epoch: unknown;
  value: V;
}

/**
 * What a check read about a credential, kept while the credential epoch (moved by the database's
 * triggers whenever a credential may stop being live; see migration CredentialEpoch) stands still.
 * A kept answer costs one read of a one-row table instead of the check's own read: on SQLite that
 * saved a quarter of an access-JWT check. Strict, not short-lived: the epoch is read on every use,
 * so a revocation or a disabled user made through any instance counts from its commit on.
 */
export class CredentialStateCache<V> {
  private readonly epoch: PreparedRead;
  private readonly kept: LRUCache<string, { epoch: string; value: V }>;

  constructor(dataSource: DataSource, max: number) {
    this.epoch = new PreparedRead(
      dataSource,
      () => `SELECT "value" AS "epoch" FROM "credential_epoch" WHERE "id" = 1`,
    );
    this.kept = new LRUCache({ max });
  }

  /** `read`'s answer for `key`, kept or read anew; a read that finds nothing (null) is not kept. */
  async get(key: string, read: () => Promise<EpochRead<V> | null>): Promise<V | null> {
    const kept = this.kept.get(key);
    if (kept && kept.epoch === (await this.currentEpoch())) return kept.value;
    const answer = await read();
    if (answer === null) return null;
    this.kept.set(key, { epoch: String(answer.epoch), value: answer.value });
    return answer.value;
  }

  private async currentEpoch(): Promise<string> {
    const [row] = await this.epoch.rows([]);
    return String(this.epoch.value(row, 'epoch'));
  }
}
