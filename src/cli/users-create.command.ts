import { Command, CommandRunner, Option } from 'nest-commander';
import { passwordFromEnvironment } from '../config/environment.js';
import { runVerb } from './verb-context.js';

interface UsersCreateOptions {
  admin?: boolean;
  passwordStdin?: boolean;
}

/**
 * Creates a user, or an admin with --admin. The password never comes as an argument, where `ps`
 * and the shell's history would show it: it is read from standard input or GATEHOUSE_PASSWORD.
 */
@Command({
  name: 'users:create',
  arguments: '<username>',
  description:
    'create a user (an admin with --admin); the password comes from standard input ' +
    '(--password-stdin) or GATEHOUSE_PASSWORD, never from an argument',
})
export class UsersCreateCommand extends CommandRunner {
  @Option({ flags: '--admin', description: 'give the user the admin privilege' })
  parseAdmin(): boolean {
    return true;
  }

  @Option({ flags: '--password-stdin', description: 'read the password from standard input' })
  parsePasswordStdin(): boolean {
    return true;
  }

  async run([username]: string[], options: UsersCreateOptions): Promise<void> {
    const password = options.passwordStdin
      ? await readPasswordFromStdin()
      : passwordFromEnvironment();
    if (!password) {
      this.command.error(
        'users:create needs a password: pipe it in with --password-stdin or set GATEHOUSE_PASSWORD',
      );
    }
    await runVerb(
      async () => (await import('./users-create.task.js')).verb,
      (task) => task.run(username, password, options.admin === true),
    );
  }
}

/** All of standard input, less the line break that `echo` or a here-string ends it with. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
