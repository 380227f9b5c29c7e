import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../user-store/entities/user.entity.js';
import { SecondFactorModule } from '../credentials/second-factor/second-factor.module.js';
import { PasskeysModule } from '../credentials/passkeys/passkeys.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { UserStoreModule } from '../user-store/user-store.module.js';
import { AccountController } from './account.controller.js';
import { AccountService } from './account.service.js';

/**
 * Self-service under /api/me. Who the caller is, and their credentials, are the identity
 * module's: administration and self-service meet only there. The portal's account page does
 * what these routes do through the same service.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([User]),
    AuditModule,
    IdentityModule,
    UserStoreModule,
    SecondFactorModule,
    PasskeysModule,
  ],
  controllers: [AccountController],
  providers: [AccountService],
  exports: [AccountService],
})
export class AccountModule {}
