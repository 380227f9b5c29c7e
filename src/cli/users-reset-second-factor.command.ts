import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

/** For a user who lost their authenticator and recovery codes: the only admin among them. */
@Command({
  name: 'users:reset-second-factor',
  arguments: '<username>',
  description:
    "remove a user's second factors (TOTP, on or pending, with its recovery codes, and their " +
    'passkeys), so that their next password login needs no code',
})
export class UsersResetSecondFactorCommand extends CommandRunner {
  async run([username]: string[]): Promise<void> {
    await runVerb(
      async () => (await import('./users-reset-second-factor.task.js')).verb,
      (task) => task.run(username),
    );
  }
}
