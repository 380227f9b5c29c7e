import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'users:disable',
  arguments: '<username>',
  description:
    'disable a user: no login lets them in, and their sessions, user tokens and access tokens end',
})
export class UsersDisableCommand extends CommandRunner {
  async run([username]: string[]): Promise<void> {
    await runVerb(
      async () => (await import('./users-enabled.task.js')).verb,
      (task) => task.run(username, false),
    );
  }
}
