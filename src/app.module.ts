import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AccountModule } from './account/account.module.js';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import { ClockModule } from './clock/clock.module.js';
import { AuthModule } from './auth/auth.module.js';
import { DialectExceptionFilter } from './common/dialects/dialect-exception.filter.js';
import { createValidationPipe } from './common/validation/validation.pipe.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { DeclaredAccessCheck } from './identity/declared-access.check.js';
import { IdentityModule } from './identity/identity.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import type { AppConfig } from './config/app-config.js';
import { OAuth2Module } from './oauth2/oauth2.module.js';
import { PasswordsModule } from './passwords/passwords.module.js';
import { PortalModule } from './portal/portal.module.js';
import { SecurityModule } from './security/security.module.js';
import { ForwardAuthModule } from './forward-auth/forward-auth.module.js';
import { ThrottlingModule } from './throttling/throttling.module.js';
import { TokensModule } from './credentials/access-tokens/tokens.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { SsfModule } from './ssf/ssf.module.js';
import { UsersModule } from './users/users.module.js';
import { WebauthnModule } from './webauthn/webauthn.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        DatabaseModule,
        MetricsModule,
        AuditModule,
        ThrottlingModule,
        IdentityModule,
        TokensModule,
        SecurityModule,
        ForwardAuthModule,
        OAuth2Module,
        SsfModule,
        UsersModule,
        AuthModule,
        SessionsModule,
        PasswordsModule,
        AccountModule,
        PortalModule,
        WebauthnModule,
        AdminModule,
        HealthModule,
        MaintenanceModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: DialectExceptionFilter },
        DeclaredAccessCheck,
      ],
    };
  }
}
