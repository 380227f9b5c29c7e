import { Command, CommandRunner } from 'nest-commander';
import { AuditService } from '../audit/audit.service.js';
import { UsersService } from '../users/users.service.js';

@Command({
  name: 'users:set-scope',
  arguments: '<username> [scope]',
  description: "set a user's own JWT scope (no scope: back to the privilege's default)",
})
export class UsersSetScopeCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  async run([username, scope]: string[]): Promise<void> {
    await this.users.setScope(username, scope ?? null);
    const user = await this.users.findByUsername(username);
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'cli',
      userId: user?.id ?? null,
      username,
      detail: { action: 'users.set-scope', scope: scope ?? null },
    });
    console.log(`Scope of ${username}: ${scope ?? '(privilege default)'}`);
  }
}
