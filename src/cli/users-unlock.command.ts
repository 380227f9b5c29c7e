import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'users:unlock',
  arguments: '<username>',
  description: "lift a user's lock from failed logins and clear their count of failures",
})
export class UsersUnlockCommand extends CommandRunner {
  async run([username]: string[]): Promise<void> {
    await runVerb(
      async () => (await import('./users-unlock.task.js')).verb,
      (task) => task.run(username),
    );
  }
}
