import { Injectable, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuditService } from '../audit/audit.service.js';
import { AdminUsersModule } from '../admin/admin-users.module.js';
import { AdminUsersService } from '../admin/admin-users.service.js';
import type { AdminUserDto } from '../admin/dto/admin-user.dto.js';
import { MAX_PAGE_SIZE } from '../common/validation/query-values.js';
import type { Privilege } from '../user-store/entities/user.entity.js';
import type { VerbTask } from './verb-context.js';

/** The filters of `users:list`, as its options give them. */
export interface UsersListOptions {
  search?: string;
  privilege?: string;
  disabled?: boolean;
}

const COLUMNS = ['id', 'username', 'privilege', 'enabled', 'locked', 'second-factor'];

/**
 * `users:list`: the admin API's listing, every page of it, printed as it comes so that a large
 * store starts printing at once. A user's line never holds a hash or any other secret. Audited
 * once it is done, with its filters and how many users it printed.
 */
@Injectable()
export class UsersListTask {
  constructor(
    private readonly admin: AdminUsersService,
    private readonly audit: AuditService,
  ) {}

  async run(options: UsersListOptions): Promise<void> {
    const listed = await this.print(options);
    await this.audit.record({
      type: 'user.list',
      outcome: 'success',
      api: 'cli',
      detail: { ...options, listed },
    });
  }

  /** Prints every user the filters let through; how many it printed. */
  private async print({ search, privilege, disabled }: UsersListOptions): Promise<number> {
    console.log(COLUMNS.join('\t'));
    let listed = 0;
    for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
      const page = await this.admin.list({
        q: search,
        privilege: privilege as Privilege | undefined,
        enabled: disabled ? false : undefined,
        limit: MAX_PAGE_SIZE,
        offset,
      });
      for (const user of page.items) console.log(lineOf(user));
      listed += page.items.length;
      if (page.items.length < MAX_PAGE_SIZE) return listed;
    }
  }
}

function lineOf(user: AdminUserDto): string {
  const yesNo = (value: boolean) => (value ? 'yes' : 'no');
  return [
    user.id,
    user.username,
    user.privilege,
    yesNo(user.enabled),
    user.lockedUntil === null ? 'no' : `until ${user.lockedUntil}`,
    yesNo(user.secondFactor),
  ].join('\t');
}

@Module({
  imports: [AdminUsersModule, AuditModule],
  providers: [UsersListTask],
})
class UsersListModule {}

export const verb: VerbTask<UsersListTask> = { module: UsersListModule, task: UsersListTask };
