import { Injectable, Module } from '@nestjs/common';
import { AdminUsersModule } from '../admin/admin-users.module.js';
import { AdminUsersService } from '../admin/admin-users.service.js';
import { COMMAND_LINE } from '../identity/admin-actor.js';
import type { RemovedSecondFactors } from '../identity/credential-lifecycle.service.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { UsersService } from '../user-store/users.service.js';
import { namedUser } from './named-user.js';
import type { VerbTask } from './verb-context.js';

/** What a reset removed, as the operator is told it: each kind that went, nothing of the rest. */
function removedKinds(removed: RemovedSecondFactors): string[] {
  return [
    ...(removed.totp ? ['TOTP and its recovery codes'] : []),
    ...(removed.passkeys > 0
      ? [`${removed.passkeys} passkey${removed.passkeys === 1 ? '' : 's'}`]
      : []),
  ];
}

/** `users:reset-second-factor`: the admin API's second-factor reset, from the command line. */
@Injectable()
export class UsersResetSecondFactorTask {
  constructor(
    private readonly users: UsersService,
    private readonly admin: AdminUsersService,
  ) {}

  async run(username: string): Promise<void> {
    const user = await namedUser(this.users, username);
    const removed = await this.admin.resetSecondFactor(COMMAND_LINE, user.id);
    const kinds = removedKinds(removed);
    const who = `${user.username} (id ${user.id})`;
    console.log(
      kinds.length > 0
        ? `Second factor of ${who} removed: ${kinds.join(', ')}; their next login needs no code`
        : `${who} had no second factor on; their next login needs no code`,
    );
  }
}

@Module({
  imports: [AdminUsersModule, UserStoreModule],
  providers: [UsersResetSecondFactorTask],
})
class UsersResetSecondFactorModule {}

export const verb: VerbTask<UsersResetSecondFactorTask> = {
  module: UsersResetSecondFactorModule,
  task: UsersResetSecondFactorTask,
};
