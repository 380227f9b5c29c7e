import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { SecurityController } from './security.controller.js';

/**
 * The Security API, mounted at /api/v1: credentials to a JWT, the token check, the privilege
 * lookup, each the identity module's one check.
 */
@Module({
  imports: [IdentityModule],
  controllers: [SecurityController],
})
export class SecurityModule {}
