import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createEpochTriggers, dropEpochTriggers } from '../credential-epoch-triggers.js';

/**
 * A service client created, disabled, given a new secret or deleted moves the credential epoch,
 * so that introspection can keep a client it has authenticated (ServiceClientsService) and still
 * refuse it from the change's commit on, on every instance.
 */
export class ServiceClientEpoch1765100000000 implements MigrationInterface {
  name = 'ServiceClientEpoch1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createEpochTriggers(queryRunner, this.name);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropEpochTriggers(queryRunner, this.name);
  }
}
