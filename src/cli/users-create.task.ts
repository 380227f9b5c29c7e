import { UserStoreModule } from '../user-store/user-store.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { Injectable, Module } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AuditService } from '../audit/audit.service.js';
import { CreateUserDto } from '../user-store/dto/create-user.dto.js';
import { UsersService } from '../user-store/users.service.js';
import type { VerbTask } from './verb-context.js';

/** `users:create`: registers the user under the rules of registering over HTTP, and audits it. */
@Injectable()
export class UsersCreateTask {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async run(username: string, password: string, admin: boolean): Promise<void> {
    const user = await this.users.register(
      validCreateUserDto(username, password),
      admin ? 'admin' : 'user',
    );
    await this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'cli',
      userId: user.id,
      username: user.username,
      detail: { action: 'users.create', privilege: user.privilege },
    });
    console.log(`Created ${user.privilege} ${user.username} (id ${user.id})`);
  }
}

/** The same rules as registering over HTTP, with the first broken one as the error. */
function validCreateUserDto(username: string, password: string): CreateUserDto {
  const dto = plainToInstance(CreateUserDto, { username, password });
  const [error] = validateSync(dto);
  if (error)
    throw new Error(Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`);
  return dto;
}

@Module({
  imports: [AuditModule, UserStoreModule],
  providers: [UsersCreateTask],
})
class UsersCreateModule {}

export const verb: VerbTask<UsersCreateTask> = { module: UsersCreateModule, task: UsersCreateTask };
