import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { LivenessModule } from '../credentials/liveness/liveness.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { ThrottlingModule } from '../throttling/throttling.module.js';

/**
 * What a verb that changes users, keys or clients needs besides its feature's module, as the
 * modules depend on each other: audit (its controller asks identity who calls), identity (the
 * user store reaches it for a user's credentials, its login limiter the throttling storage),
 * metrics (audit counts logins) and liveness (the key and client stores read through it). No API
 * of the server's is booted for it beyond the controllers these modules declare.
 */
@Module({
  imports: [AuditModule, IdentityModule, ThrottlingModule, MetricsModule, LivenessModule],
})
export class VerbStoresModule {}
