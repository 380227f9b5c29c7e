import { Injectable, Module } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';
import { runMigrations } from '../database/migration-runner.js';
import type { VerbTask } from './verb-context.js';

/** `migrations:run`: the database module has migrated at boot; this confirms it and says where it stands. */
@Injectable()
export class MigrationsRunTask {
  constructor(private readonly dataSource: DataSource) {}

  async run(): Promise<void> {
    await runMigrations(this.dataSource);
    const applied = await new MigrationExecutor(this.dataSource).getExecutedMigrations();
    const latest = applied.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    console.log(
      `Schema up to date: ${applied.length} migrations applied, the latest ${latest.name}`,
    );
  }
}

@Module({ providers: [MigrationsRunTask] })
class MigrationsRunModule {}

export const verb: VerbTask<MigrationsRunTask> = {
  module: MigrationsRunModule,
  task: MigrationsRunTask,
};
