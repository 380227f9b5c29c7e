import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { SecurityController } from './security.controller.js';
import { TokenCheckService } from '../identity/token-check.service.js';

/**
 * The Security API, mounted at /api/v1: credentials to a JWT, the token check, the privilege
 * lookup. The check is exported: every other way a service asks about a credential uses it.
 */
@Module({
  imports: [AuthModule, TokensModule, SessionsModule],
  controllers: [SecurityController],
  providers: [TokenCheckService],
  exports: [TokenCheckService],
})
export class SecurityModule {}
