import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { PasskeysModule } from '../credentials/passkeys/passkeys.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { AdminUsersService } from './admin-users.service.js';

/**
 * The administration of users without its routes: what the admin API and the command line both
 * change users through, so that each rule has one place.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User, Group]),
    AuditModule,
    IdentityModule,
    UserStoreModule,
    SecondFactorModule,
    PasskeysModule,
  ],
  providers: [AdminUsersService],
  exports: [AdminUsersService],
})
export class AdminUsersModule {}
