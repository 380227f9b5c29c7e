import { Global, Module } from '@nestjs/common';
import { LivenessService } from './liveness.service.js';

/** The reads the checks make, and what they keep, for every module that checks a credential. */
@Global()
@Module({ providers: [LivenessService], exports: [LivenessService] })
export class LivenessModule {}
