import { Module } from '@nestjs/common';
import { UserStoreModule } from '../../user-store/user-store.module.js';
import { LivenessService } from './liveness.service.js';

/** The reads the checks make, and what they keep, for every module that checks a credential. */
@Module({
  imports: [UserStoreModule],
  providers: [LivenessService],
  exports: [LivenessService],
})
export class LivenessModule {}
