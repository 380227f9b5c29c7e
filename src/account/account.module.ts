import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { CallersService } from './callers.service.js';

/**
 * Self-service, and who the caller of a signed-in route is. Global, so that SignedInGuard and
 * AdminGuard can guard a controller of any module.
 */
@Global()
@Module({
  imports: [TokensModule, AuthModule, SessionsModule],
  providers: [CallersService],
  exports: [CallersService],
})
export class AccountModule {}
