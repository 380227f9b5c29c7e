import { type DynamicModule, Module } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/app-config.js';
import { MaintenanceModule } from '../maintenance/maintenance.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { CliUsage } from './cli-usage.js';
import { ClientsCreateCommand } from './clients-create.command.js';
import { OAuth2Module } from '../oauth2/oauth2.module.js';
import { KeysRotateCommand } from './keys-rotate.command.js';
import { MigrationsRunCommand } from './migrations-run.command.js';
import { PurgeCommand } from './purge.command.js';
import { UsersImportModule } from '../users/import/users-import.module.js';
import { UsersCreateCommand } from './users-create.command.js';
import { UsersImportCommand } from './users-import.command.js';
import { UsersSetScopeCommand } from './users-set-scope.command.js';

/**
 * The command line: the whole application as the server builds it, so that every verb runs
 * through the same services and rules, plus one command per verb. It is an application context,
 * with no HTTP server.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppModule.forRoot(config),
        UsersModule,
        UsersImportModule,
        TokensModule,
        MaintenanceModule,
        OAuth2Module,
      ],
      providers: [
        CliUsage,
        UsersCreateCommand,
        UsersImportCommand,
        UsersSetScopeCommand,
        KeysRotateCommand,
        ClientsCreateCommand,
        MigrationsRunCommand,
        PurgeCommand,
      ],
    };
  }
}
