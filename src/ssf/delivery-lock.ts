import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * An arbitrary constant naming push delivery among PostgreSQL advisory locks; the stream's key is
 * the other half of the pair (PostgreSQL keeps pairs apart from the single keys of the migration
 * lock). Two streams whose ids hash alike only take turns.
 */
const PUSH_LOCK_SPACE = 1_935_961_718;

/** A connection of pg's pool, as the driver lends it. */
interface PooledClient {
  query(sql: string, parameters: unknown[]): Promise<{ rows: { locked: boolean }[] }>;
}

/**
 * One deliverer per stream, however many instances share the database, so that a receiver gets
 * a stream's events in order and each once (unless a deliverer dies mid-push).
 *
 * On PostgreSQL, a session-level advisory lock rather than rows locked `FOR UPDATE SKIP LOCKED`:
 * a row lock lives as long as its transaction, which would stay open across every push of the
 * round (a receiver may take up to SSF_PUSH_TIMEOUT_SECONDS each), and the acknowledgements made
 * in it would commit only at its end, so that a deliverer killed mid-round would have every
 * event of the round sent again. The advisory lock belongs to a connection of its own that holds
 * no transaction; acknowledgements commit one by one through the pool as each push succeeds.
 * If the holder dies (kill -9 included), its connection drops and PostgreSQL frees the lock at
 * once, so another instance takes the stream over at its next look.
 *
 * On SQLite there is one instance by design, and a guard in memory is enough.
 */
@Injectable()
export class DeliveryLocks {
  /** Streams this instance is delivering: it never runs two rounds of one stream at once. */
  private readonly held = new Set<string>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` holding the stream, and answers true; answers false at once, without running it,
   * when another deliverer holds it.
   */
  async whileHolding(streamId: string, work: () => Promise<void>): Promise<boolean> {
    if (this.held.has(streamId)) return false;
    this.held.add(streamId);
    try {
      if (this.dataSource.options.type === 'postgres') return await this.advisory(streamId, work);
      // SQLite has one connection, shared with every request: a read made while a request's
      // transaction is open would see its events before they commit (and they may not).
      if (this.dataSource.createQueryRunner().isTransactionActive) return false;
      await work();
      return true;
    } finally {
      this.held.delete(streamId);
    }
  }

  private async advisory(streamId: string, work: () => Promise<void>): Promise<boolean> {
    const driver = this.dataSource.driver as PostgresDriver;
    const [client, release] = (await driver.obtainMasterConnection()) as [
      PooledClient,
      (error?: unknown) => void,
    ];
    const key = [PUSH_LOCK_SPACE, streamId];
    let broken: unknown;
    try {
      const { rows } = await client
        .query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS "locked"', key)
        .catch((error: unknown) => {
          broken = error;
          throw error;
        });
      if (!rows[0].locked) return false;
      try {
        await work();
      } finally {
        await client
          .query('SELECT pg_advisory_unlock($1, hashtext($2)) AS "locked"', key)
          .catch((error: unknown) => (broken = error));
      }
      return true;
    } finally {
      // A connection whose lock or unlock failed may still hold the lock: pg's pool closes it
      // rather than lend it again, which frees the lock.
      release(broken);
    }
  }
}
