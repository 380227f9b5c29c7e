import { Injectable, Module } from '@nestjs/common';
import { AdminUsersModule } from '../admin/admin-users.module.js';
import { AdminUsersService } from '../admin/admin-users.service.js';
import { COMMAND_LINE } from '../identity/admin-actor.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { UsersService } from '../user-store/users.service.js';
import { namedUser } from './named-user.js';
import type { VerbTask } from './verb-context.js';

/** `users:disable` and `users:enable`: the admin API's change of `enabled`, from the command line. */
@Injectable()
export class UsersEnabledTask {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminUsersService,
  ) {}

  async run(username: string, enabled: boolean): Promise<void> {
    const user = await namedUser(this.users, username);
    await this.admin.update(COMMAND_LINE, user.id, { enabled });
    console.log(
      enabled
        ? `Enabled ${user.username} (id ${user.id})`
        : `Disabled ${user.username} (id ${user.id}): their sessions, user tokens and access tokens have ended`,
    );
  }
}

@Module({
  imports: [AdminUsersModule, UserStoreModule],
  providers: [UsersEnabledTask],
})
class UsersEnabledModule {}

export const verb: VerbTask<UsersEnabledTask> = {
  module: UsersEnabledModule,
  task: UsersEnabledTask,
};
