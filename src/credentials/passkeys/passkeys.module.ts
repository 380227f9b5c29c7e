import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Passkey } from './entities/passkey.entity.js';
import { WebauthnChallenge } from './entities/webauthn-challenge.entity.js';
import { PasskeysService } from './passkeys.service.js';
import { SecurityEventsModule } from '../../security-events/security-events.module.js';

/** Passkeys (WebAuthn): the store of users' credentials and of the challenges they answer. */
@Module({
  imports: [TypeOrmModule.forFeature([Passkey, WebauthnChallenge]), SecurityEventsModule],
  providers: [PasskeysService],
  exports: [PasskeysService],
})
export class PasskeysModule {}
