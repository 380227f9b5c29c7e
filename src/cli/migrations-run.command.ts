import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'migrations:run',
  description:
    'apply pending migrations, as the server does when it starts (one instance at a time on PostgreSQL)',
})
export class MigrationsRunCommand extends CommandRunner {
  async run(): Promise<void> {
    await runVerb(
      async () => (await import('./migrations-run.task.js')).verb,
      (task) => task.run(),
    );
  }
}
