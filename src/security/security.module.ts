import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { SecurityController } from './security.controller.js';
import { TokenCheckService } from './token-check.service.js';

/** The Security API, mounted at /api/v1: credentials to a JWT, the token check, the privilege lookup. */
@Module({
  imports: [AuthModule, TokensModule],
  controllers: [SecurityController],
  providers: [TokenCheckService],
})
export class SecurityModule {}
