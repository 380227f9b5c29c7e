import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UsersModule } from '../users/users.module.js';
import { AdminCredentialsController } from './admin-credentials.controller.js';
import { AdminCredentialsService } from './admin-credentials.service.js';
import { UsersImportModule } from '../user-store/import/users-import.module.js';
import { AdminGroupsController } from './admin-groups.controller.js';
import { AdminImportController } from './admin-import.controller.js';
import { AdminGroupsService } from './admin-groups.service.js';
import { AdminKeysController } from './admin-keys.controller.js';
import { AdminKeysService } from './admin-keys.service.js';
import { AdminUsersController } from './admin-users.controller.js';
import { AdminUsersService } from './admin-users.service.js';

/** The administration API under /api/admin, for admins only (@Authenticated('admin')). */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, Group]),
    TokensModule,
    UsersModule,
    UsersImportModule,
    SecondFactorModule,
  ],
  controllers: [
    AdminUsersController,
    AdminImportController,
    AdminGroupsController,
    AdminCredentialsController,
    AdminKeysController,
  ],
  providers: [AdminUsersService, AdminGroupsService, AdminCredentialsService, AdminKeysService],
})
export class AdminModule {}
