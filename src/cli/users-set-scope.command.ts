import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'users:set-scope',
  arguments: '<username> [scope]',
  description: "set a user's own JWT scope (no scope: back to the privilege's default)",
})
export class UsersSetScopeCommand extends CommandRunner {
  async run([username, scope]: string[]): Promise<void> {
    await runVerb(
      async () => (await import('./users-set-scope.task.js')).verb,
      (task) => task.run(username, scope ?? null),
    );
  }
}
