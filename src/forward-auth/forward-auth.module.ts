import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { ForwardAnswersNotStored } from './forward-answers-not-stored.js';
import { ForwardAuthController } from './forward-auth.controller.js';
import { ForwardAuthService } from './forward-auth.service.js';

/**
 * Forward authentication for reverse proxies: the token check and the password check
 * of every other API, answered as nginx, Traefik, Caddy and Envoy expect.
 */
@Module({
  imports: [IdentityModule],
  controllers: [ForwardAuthController],
  providers: [ForwardAuthService, ForwardAnswersNotStored],
})
export class ForwardAuthModule {}
