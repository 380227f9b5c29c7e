import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createEpochTriggers,
  dropEpochTriggers,
  type EpochTriggers,
} from './1764460000000-credential-epoch.js';

export const TRIGGERS: EpochTriggers = [['service_client', ['INSERT', 'UPDATE', 'DELETE']]];

/**
 * A service client created, disabled, given a new secret or deleted moves the credential epoch,
 * so that introspection can keep a client it has authenticated (ServiceClientsService) and still
 * refuse it from the change's commit on, on every instance.
 */
export class ServiceClientEpoch1765100000000 implements MigrationInterface {
  name = 'ServiceClientEpoch1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createEpochTriggers(queryRunner, TRIGGERS);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropEpochTriggers(queryRunner, TRIGGERS);
  }
}
