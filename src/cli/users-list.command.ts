import { Command, CommandRunner, Option } from 'nest-commander';
import type { UsersListOptions } from './users-list.task.js';
import { runVerb } from './verb-context.js';

@Command({
  name: 'users:list',
  description:
    'list users, one tab-separated line each under a header: id, username, privilege, enabled, ' +
    'locked (until when), second factor',
})
export class UsersListCommand extends CommandRunner {
  @Option({
    flags: '--search <prefix>',
    description: 'only usernames starting with it (case-insensitive)',
  })
  parseSearch(prefix: string): string {
    return prefix;
  }

  @Option({
    flags: '--privilege <privilege>',
    description: 'only admins (admin) or only users (user)',
  })
  parsePrivilege(privilege: string): string {
    return privilege;
  }

  @Option({ flags: '--disabled', description: 'only disabled users' })
  parseDisabled(): boolean {
    return true;
  }

  async run(_: string[], options: UsersListOptions): Promise<void> {
    // Checked here rather than by commander's choices, which an option's parser replaces.
    const { PRIVILEGES } = await import('../user-store/entities/user.entity.js');
    if (
      options.privilege !== undefined &&
      !(PRIVILEGES as readonly string[]).includes(options.privilege)
    ) {
      this.command.error(`--privilege must be one of ${PRIVILEGES.join(', ')}`);
    }
    await runVerb(
      async () => (await import('./users-list.task.js')).verb,
      (task) => task.run(options),
    );
  }
}
