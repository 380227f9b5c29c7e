import { Module } from '@nestjs/common';
import { PasskeysModule } from '../credentials/passkeys/passkeys.module.js';
import { IdentityModule } from '../identity/identity.module.js';
import { WebauthnController } from './webauthn.controller.js';
import { WebauthnService } from './webauthn.service.js';

/** Signing in with a passkey alone, for an access token: `/webauthn/authentication`. */
@Module({
  imports: [IdentityModule, PasskeysModule],
  controllers: [WebauthnController],
  providers: [WebauthnService],
})
export class WebauthnModule {}
