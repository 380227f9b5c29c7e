import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../passwords/password-hashing.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { Group } from './entities/group.entity.js';
import { LoginFailure } from './entities/login-failure.entity.js';
import { User } from './entities/user.entity.js';
import { RegistrationGuard } from './guards/registration.guard.js';
import { BasicOrTokenStrategy } from './strategies/basic-or-token.strategy.js';
import { BasicStrategy } from './strategies/basic.strategy.js';
import { LoginLockoutService } from './login-lockout.service.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    TypeOrmModule.forFeature([User, Group, LoginFailure]),
    PasswordHashingModule,
    TokensModule,
  ],
  controllers: [UsersController],
  providers: [
    UsersService,
    LoginLockoutService,
    BasicStrategy,
    BasicOrTokenStrategy,
    RegistrationGuard,
  ],
  exports: [UsersService, LoginLockoutService],
})
export class UsersModule {}
