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
import { SsfDelivery } from '../security-events/entities/ssf-delivery.entity.js';

/**
 * Tells this instance's push deliverer at once when a change it made owes a stream an event, as
 * soon as the change commits (not before: until then no other connection could read the event,
 * and the change may yet roll back). Events recorded by other instances are found by the
 * deliverer's regular look.
 */
@Injectable()
export class PushWakeUp implements EntitySubscriberInterface<SsfDelivery> {
  /** Transactions that owe a stream an event, until they end. */
  private readonly owing = new WeakSet<QueryRunner>();
  private readonly listeners = new Set<() => void>();

  constructor(@InjectDataSource() dataSource: DataSource) {
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
    if (event.queryRunner.isTransactionActive) this.owing.add(event.queryRunner);
    else this.wake();
  }

  /** Still active after a commit: a savepoint was released, and the transaction goes on. */
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return;
    if (this.owing.delete(event.queryRunner)) this.wake();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.owing.delete(event.queryRunner);
  }

  private wake(): void {
    for (const listener of this.listeners) listener();
  }
}
