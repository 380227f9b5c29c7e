import { Module } from '@nestjs/common';
import { CliUsage } from './cli-usage.js';
import { ClientsCreateCommand } from './clients-create.command.js';
import { KeysRotateCommand } from './keys-rotate.command.js';
import { MigrationsRunCommand } from './migrations-run.command.js';
import { PurgeCommand } from './purge.command.js';
import { UsersCreateCommand } from './users-create.command.js';
import { UsersDisableCommand } from './users-disable.command.js';
import { UsersEnableCommand } from './users-enable.command.js';
import { UsersImportCommand } from './users-import.command.js';
import { UsersListCommand } from './users-list.command.js';
import { UsersResetSecondFactorCommand } from './users-reset-second-factor.command.js';
import { UsersSetPasswordCommand } from './users-set-password.command.js';
import { UsersSetScopeCommand } from './users-set-scope.command.js';
import { UsersUnlockCommand } from './users-unlock.command.js';

/**
 * The command line: one command per verb, which reads its arguments and options and nothing
 * else, so that `--help` and a usage error answer at once and start nothing. A verb that runs
 * then boots the modules its task needs (verb-context.ts), with the same services and rules as
 * the server, in an application context with no HTTP server.
 */
@Module({
  providers: [
    CliUsage,
    UsersListCommand,
    UsersCreateCommand,
    UsersImportCommand,
    UsersSetPasswordCommand,
    UsersSetScopeCommand,
    UsersDisableCommand,
    UsersEnableCommand,
    UsersUnlockCommand,
    UsersResetSecondFactorCommand,
    KeysRotateCommand,
    ClientsCreateCommand,
    MigrationsRunCommand,
    PurgeCommand,
  ],
})
export class CliModule {}
