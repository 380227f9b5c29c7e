import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { User } from '../users/entities/user.entity.js';
import { AccessTokensService } from './access-tokens.service.js';
import { SigningKey } from './entities/signing-key.entity.js';
import { JwksController } from './jwks.controller.js';
import { SigningKeysService } from './signing-keys.service.js';

@Module({
  imports: [JwtModule.register({}), TypeOrmModule.forFeature([SigningKey, User])],
  controllers: [JwksController],
  providers: [SigningKeysService, AccessTokensService],
  exports: [SigningKeysService, AccessTokensService],
})
export class SecurityModule {}
