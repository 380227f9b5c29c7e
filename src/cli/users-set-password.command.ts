import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

/**
 * Sets a user's password as an admin's reset does. The password never comes as an argument: it
 * is typed at a prompt, or piped in.
 */
@Command({
  name: 'users:set-password',
  arguments: '<username>',
  description:
    "set a user's password, read from standard input (a prompt that echoes nothing on a " +
    'terminal, else the first line), never from an argument; ends their sessions, user tokens ' +
    'and access tokens, and lifts a lock from failed logins',
})
export class UsersSetPasswordCommand extends CommandRunner {
  async run([username]: string[]): Promise<void> {
    const { readNewPassword } = await import('./password-input.js');
    const password = await readNewPassword(username);
    if (password === null) {
      this.command.error(
        'users:set-password needs the new password on standard input: type it at the prompt or pipe it in',
      );
    }
    await runVerb(
      async () => (await import('./users-set-password.task.js')).verb,
      (task) => task.run(username, password),
    );
  }
}
