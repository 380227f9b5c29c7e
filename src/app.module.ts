import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module.js';
import { DialectExceptionFilter } from './common/dialects/dialect-exception.filter.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { PasswordsModule } from './passwords/passwords.module.js';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from './config/app-config.js';
import { SecurityModule } from './security/security.module.js';
import { TokensModule } from './tokens/tokens.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { UsersModule } from './users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ThrottlerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (appConfig: AppConfig) => [
            { name: 'password-ops', ttl: 60_000, limit: appConfig.passwordOpsPerMinute },
          ],
        }),
        PasswordsModule,
        TokensModule,
        SecurityModule,
        UsersModule,
        AuthModule,
        SessionsModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: DialectExceptionFilter },
      ],
    };
  }
}
