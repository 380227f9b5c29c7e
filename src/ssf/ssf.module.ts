import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { SecurityEventsModule } from '../security-events/security-events.module.js';
import { DeliveriesService } from './deliveries.service.js';
import { SecurityEventTokens } from './security-event-tokens.service.js';

/**
 * The Shared Signals transmitter (SSF 1.0): the receivers' streams, and the security events
 * each is owed, as Security Event Tokens pushed to it or polled by it.
 */
@Module({
  imports: [JwtModule.register({}), SecurityEventsModule, TokensModule],
  providers: [DeliveriesService, SecurityEventTokens],
  exports: [DeliveriesService, SecurityEventTokens],
})
export class SsfModule {}
