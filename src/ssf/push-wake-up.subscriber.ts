import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { SsfDelivery } from '../security-events/entities/ssf-delivery.entity.js';

/**
 * Tells this instance's push deliverer at once when a change it made owes a stream an event, as
 * soon as the change commits (not before: until then no other connection could read the event,
 * and the change may yet roll back), and counts what the commit owes as written. Events recorded
 * by other instances are found by the deliverer's regular look.
 */
@Injectable()
export class PushWakeUp implements EntitySubscriberInterface<SsfDelivery> {
  /** How many deliveries each open transaction has written, until it ends. */
  private readonly owing = new WeakMap<QueryRunner, number>();
  private readonly listeners = new Set<() => void>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {
    dataSource.subscribers.push(this);
  }

  /** Calls `listener` after each commit that owes a stream an event. */
  onCommitOwing(listener: () => void): void {
    this.listeners.add(listener);
  }

  listenTo(): typeof SsfDelivery {
    return SsfDelivery;
  }

  afterInsert(event: InsertEvent<SsfDelivery>): void {
    const runner = event.queryRunner;
    if (runner.isTransactionActive) this.owing.set(runner, (this.owing.get(runner) ?? 0) + 1);
    else this.committed(1);
  }

  /** Still active after a commit: a savepoint was released, and the transaction goes on. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return;
    const written = this.owing.get(event.queryRunner);
    this.owing.delete(event.queryRunner);
    if (written !== undefined) this.committed(written);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.owing.delete(event.queryRunner);
  }

  private committed(deliveries: number): void {
    this.metrics.countSsfWritten(deliveries);
    for (const listener of this.listeners) listener();
  }
}
