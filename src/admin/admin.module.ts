import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { AuditModule } from '../audit/audit.module.js';
import { ServiceClientsModule } from '../credentials/service-clients/service-clients.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { AdminClientsController } from './admin-clients.controller.js';
import { AuditController } from './audit.controller.js';
import { AdminCredentialsController } from './admin-credentials.controller.js';
import { AdminCredentialsService } from './admin-credentials.service.js';
import { UsersImportModule } from '../user-store/import/users-import.module.js';
import { AdminGroupsController } from './admin-groups.controller.js';
import { AdminImportController } from './admin-import.controller.js';
import { AdminGroupsService } from './admin-groups.service.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminKeysService } from './admin-keys.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersModule } from './admin-users.module.js';

/**
 * The administration API under /api/admin, for admins only (@Authenticated('admin')): users,
 * groups, credentials, keys, service clients, the import and the audit trail.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, Group]),
    AuditModule,
    IdentityModule,
    TokensModule,
    UserStoreModule,
    UsersImportModule,
    SecondFactorModule,
    ServiceClientsModule,
    AdminUsersModule,
  ],
  controllers: [
    AdminUsersController,
    AdminImportController,
    AdminGroupsController,
    AdminCredentialsController,
    AdminKeysController,
    AdminClientsController,
    AuditController,
  ],
  providers: [AdminGroupsService, AdminCredentialsService, AdminKeysService],
})
export class AdminModule {}
