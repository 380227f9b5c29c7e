import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuditModule } from '../audit/audit.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryLocks } from './delivery-lock.js';
import { PollController } from './poll.controller.js';
import { PollService } from './poll.service.js';
import { PushDeliveryService } from './push-delivery.service.js';
import { PushWakeUp } from './push-wake-up.subscriber.js';
import { SecurityEventTokens } from './security-event-tokens.service.js';
import { SsfConfigurationController } from './ssf-configuration.controller.js';
import { StreamAuthorizations } from './stream-authorizations.service.js';
import { StreamsController } from './streams.controller.js';
import { StreamsService } from './streams.service.js';
import { UndeliveredGauge } from './undelivered-gauge.service.js';

/**
 * The Shared Signals transmitter (SSF 1.0): the receivers' streams, and the security events
 * each is owed, as Security Event Tokens pushed to it or polled by it.
 */
@Module({
  imports: [
    JwtModule.register({}),
    AuditModule,
    IdentityModule,
    SecurityEventsModule,
    TokensModule,
  ],
  controllers: [SsfConfigurationController, StreamsController, PollController],
  providers: [
    DeliveriesService,
    SecurityEventTokens,
    StreamAuthorizations,
    StreamsService,
    PollService,
    DeliveryLocks,
    PushDeliveryService,
    PushWakeUp,
    UndeliveredGauge,
  ],
  exports: [DeliveriesService, SecurityEventTokens, StreamAuthorizations],
})
export class SsfModule {}
