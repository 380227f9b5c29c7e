import { Injectable, Module } from '@nestjs/common';
import { AdminUsersModule } from '../admin/admin-users.module.js';
import { AdminUsersService } from '../admin/admin-users.service.js';
import { COMMAND_LINE } from '../identity/admin-actor.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { UsersService } from '../user-store/users.service.js';
import { namedUser } from './named-user.js';
import type { VerbTask } from './verb-context.js';

/** `users:unlock`: the lock from failed logins lifted, from the command line. */
@Injectable()
export class UsersUnlockTask {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminUsersService,
  ) {}

  async run(username: string): Promise<void> {
    const user = await namedUser(this.users, username);
    await this.admin.unlock(COMMAND_LINE, user.id);
    console.log(`Unlocked ${user.username} (id ${user.id}): failed logins cleared`);
  }
}

@Module({
  imports: [AdminUsersModule, UserStoreModule],
  providers: [UsersUnlockTask],
})
class UsersUnlockModule {}

export const verb: VerbTask<UsersUnlockTask> = { module: UsersUnlockModule, task: UsersUnlockTask };
