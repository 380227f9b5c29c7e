import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, CommandRunner, Option } from 'nest-commander';
import { AuditService } from '../audit/audit.service.js';
import { CreateUserDto } from '../users/dto/create-user.dto.js';
import { UsersService } from '../users/users.service.js';
import { UsageError } from './usage-error.js';

interface UsersCreateOptions {
  admin?: boolean;
  passwordStdin?: boolean;
}

/**
 * Creates a user, or an admin with --admin. The password never comes as an argument, where `ps`
 * and the shell's history would show it: it is read from standard input or GATEHOUSE_PASSWORD.
 */
@Command({
  name: 'users:create',
  arguments: '<username>',
  description:
    'create a user (an admin with --admin); the password comes from standard input ' +
    '(--password-stdin) or GATEHOUSE_PASSWORD, never from an argument',
})
export class UsersCreateCommand extends CommandRunner {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {
    super();
  }

  @Option({ flags: '--admin', description: 'give the user the admin privilege' })
  parseAdmin(): boolean {
    return true;
  }

  @Option({ flags: '--password-stdin', description: 'read the password from standard input' })
  parsePasswordStdin(): boolean {
    return true;
  }

  async run([username]: string[], options: UsersCreateOptions): Promise<void> {
    const password = options.passwordStdin
      ? await readPasswordFromStdin()
      : process.env.GATEHOUSE_PASSWORD;
    if (!password) {
      throw new UsageError(
        'users:create needs a password: pipe it in with --password-stdin or set GATEHOUSE_PASSWORD',
      );
    }
    const user = await this.users.register(
      validCreateUserDto(username, password),
      options.admin ? 'admin' : 'user',
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

/** All of standard input, less the line break that `echo` or a here-string ends it with. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
