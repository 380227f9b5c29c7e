import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'users:enable',
  arguments: '<username>',
  description: 'enable a disabled user again (the credentials a disable ended stay ended)',
})
export class UsersEnableCommand extends CommandRunner {
  async run([username]: string[]): Promise<void> {
    await runVerb(
      async () => (await import('./users-enabled.task.js')).verb,
      (task) => task.run(username, true),
    );
  }
}
