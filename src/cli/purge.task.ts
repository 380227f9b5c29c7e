import { Injectable, Module } from '@nestjs/common';
import { MaintenanceModule } from '../maintenance/maintenance.module.js';
import { PurgeService } from '../maintenance/purge.service.js';
import type { VerbTask } from './verb-context.js';

/** `purge`: one purge, as the server's schedule runs it, and how many of each kind went. */
@Injectable()
export class PurgeTask {
  constructor(private readonly purge: PurgeService) {}

  async run(): Promise<void> {
    const counts = await this.purge.purgeAll();
    for (const [kind, count] of Object.entries(counts)) console.log(`${kind}: ${count}`);
  }
}

@Module({
  imports: [MaintenanceModule],
  providers: [PurgeTask],
})
class PurgeModule {}

export const verb: VerbTask<PurgeTask> = { module: PurgeModule, task: PurgeTask };
