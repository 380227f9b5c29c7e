import { Injectable, Module } from '@nestjs/common';
import { AdminUsersModule } from '../admin/admin-users.module.js';
import { AdminUsersService } from '../admin/admin-users.service.js';
import { COMMAND_LINE } from '../identity/admin-actor.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { UsersService } from '../user-store/users.service.js';
import { namedUser } from './named-user.js';
import type { VerbTask } from './verb-context.js';

/** `users:set-password`: an admin's password reset, from the command line. */
@Injectable()
export class UsersSetPasswordTask {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminUsersService,
  ) {}

  async run(username: string, password: string): Promise<void> {
    const user = await namedUser(this.users, username);
    const ended = await this.admin.resetPassword(COMMAND_LINE, user.id, password);
    console.log(
      `Password of ${user.username} (id ${user.id}) set: ${ended.sessions} session(s) and ` +
        `${ended.userTokens} user token(s) ended, access tokens issued before no longer valid`,
    );
  }
}

@Module({
  imports: [AdminUsersModule, UserStoreModule],
  providers: [UsersSetPasswordTask],
})
class UsersSetPasswordModule {}

export const verb: VerbTask<UsersSetPasswordTask> = {
  module: UsersSetPasswordModule,
  task: UsersSetPasswordTask,
};
