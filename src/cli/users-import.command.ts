import { Command, CommandRunner, Option } from 'nest-commander';
import { runVerb } from './verb-context.js';

interface UsersImportOptions {
  update?: boolean;
}

/** Imports users from JSON lines, from FILE or standard input (the README says what a line holds). */
@Command({
  name: 'users:import',
  arguments: '[file]',
  description:
    'import users from JSON lines (FILE, or standard input): username, passwordHash as the ' +
    'former service stored it (bcrypt, Werkzeug pbkdf2 or scrypt, argon2id), profile fields, ' +
    'privilege, scope, groups, enabled; existing names are skipped unless --update',
})
export class UsersImportCommand extends CommandRunner {
  @Option({ flags: '--update', description: 'update users whose name exists instead of skipping' })
  parseUpdate(): boolean {
    return true;
  }

  async run([file]: string[], options: UsersImportOptions): Promise<void> {
    await runVerb(
      async () => (await import('./users-import.task.js')).verb,
      (task) => task.run(file, options.update === true),
    );
  }
}
