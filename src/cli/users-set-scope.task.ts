import { UserStoreModule } from '../user-store/user-store.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { Injectable, Module } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { UsersService } from '../user-store/users.service.js';
import type { VerbTask } from './verb-context.js';

/** `users:set-scope`: sets the user's own scope, or clears it back to the privilege's default. */
@Injectable()
export class UsersSetScopeTask {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async run(username: string, scope: string | null): Promise<void> {
    await this.users.setScope(username, scope);
    const user = await this.users.findByUsername(username);
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'cli',
      userId: user?.id ?? null,
      username,
      detail: { action: 'users.set-scope', scope },
    });
    console.log(`Scope of ${username}: ${scope ?? '(privilege default)'}`);
  }
}

@Module({
  imports: [AuditModule, UserStoreModule],
  providers: [UsersSetScopeTask],
})
class UsersSetScopeModule {}

export const verb: VerbTask<UsersSetScopeTask> = {
  module: UsersSetScopeModule,
  task: UsersSetScopeTask,
};
