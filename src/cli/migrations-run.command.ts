import { Command, CommandRunner } from 'nest-commander';
import { DataSource, MigrationExecutor } from 'typeorm';
import { runMigrations } from '../database/migration-runner.js';

@Command({
  name: 'migrations:run',
  description:
    'apply pending migrations, as the server does when it starts (one instance at a time on PostgreSQL)',
})
export class MigrationsRunCommand extends CommandRunner {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async run(): Promise<void> {
    await runMigrations(this.dataSource);
    const applied = await new MigrationExecutor(this.dataSource).getExecutedMigrations();
    const latest = applied.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
    console.log(
      `Schema up to date: ${applied.length} migrations applied, the latest ${latest.name}`,
    );
  }
}
