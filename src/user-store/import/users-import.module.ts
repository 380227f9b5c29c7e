import { Module } from '@nestjs/common';
import { AuditModule } from '../../audit/audit.module.js';
import { UserStoreModule } from '../user-store.module.js';
import { UsersImportService } from './users-import.service.js';

/** Importing users from JSON lines, for the `users:import` command and the admin route. */
@Module({
  imports: [AuditModule, UserStoreModule],
  providers: [UsersImportService],
  exports: [UsersImportService],
})
export class UsersImportModule {}
