import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module.js';
import { UserToken } from './entities/user-token.entity.js';
import { LoginController } from './login.controller.js';
import { UserTokenStrategy } from './strategies/user-token.strategy.js';
import { UserTokensController } from './user-tokens.controller.js';
import { UserTokensService } from './user-tokens.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserToken]), UsersModule],
  controllers: [LoginController, UserTokensController],
  providers: [UserTokensService, UserTokenStrategy],
  exports: [UserTokensService],
})
export class AuthModule {}
