import { Command, CommandRunner, Option } from 'nest-commander';
import { runVerb } from './verb-context.js';

interface UsersImportOptions {
  update?: boolean;
  updateAdmins?: boolean;
  dryRun?: boolean;
}

/**
 * Imports users from JSON lines, from FILE or standard input (docs/migrating-users.md says what a
 * line holds).
 */
@Command({
  name: 'users:import',
  arguments: '[file]',
  description:
    'import users from JSON lines (FILE, or standard input): username, passwordHash as the ' +
    'former service stored it (bcrypt, Werkzeug pbkdf2:<sha1|sha256|sha512> or scrypt, ' +
    'argon2id), profile fields, privilege, scope, groups, enabled; a name matches the user it ' +
    'folds onto (case, NFKC); existing users are skipped unless --update, admins unless ' +
    '--update-admins; exits 1 when a line is refused',
})
export class UsersImportCommand extends CommandRunner {
  @Option({
    flags: '--update',
    description:
      'update users whose name exists instead of skipping them (a hash only over the one their ' +
      'earlier import stored)',
  })
  parseUpdate(): boolean {
    return true;
  }

  @Option({ flags: '--update-admins', description: 'update admins too (implies --update)' })
  parseUpdateAdmins(): boolean {
    return true;
  }

  @Option({ flags: '--dry-run', description: 'check and report every line, writing nothing' })
  parseDryRun(): boolean {
    return true;
  }

  async run([file]: string[], options: UsersImportOptions): Promise<void> {
    await runVerb(
      async () => (await import('./users-import.task.js')).verb,
      (task) =>
        task.run(file, {
          update: options.update === true,
          updateAdmins: options.updateAdmins === true,
          dryRun: options.dryRun === true,
        }),
    );
  }
}
