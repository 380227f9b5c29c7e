import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RecoveryCode } from './entities/recovery-code.entity.js';
import { TotpFactor } from './entities/totp-factor.entity.js';
import { SecondFactorService } from './second-factor.service.js';
import { TotpSecrets } from './totp-secrets.service.js';
import { SecurityEventsModule } from '../../security-events/security-events.module.js';

/** The TOTP second factor: its store, its secrets' key, and the check of a login's code. */
@Module({
  imports: [TypeOrmModule.forFeature([TotpFactor, RecoveryCode]), SecurityEventsModule],
  providers: [SecondFactorService, TotpSecrets],
  exports: [SecondFactorService],
})
export class SecondFactorModule {}
