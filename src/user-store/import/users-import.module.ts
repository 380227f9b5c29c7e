import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module.js';
import { UsersImportService } from './users-import.service.js';

/** Importing users from JSON lines, for the `users:import` command and the admin route. */
@Module({
  imports: [UsersModule],
  providers: [UsersImportService],
  exports: [UsersImportService],
})
export class UsersImportModule {}
