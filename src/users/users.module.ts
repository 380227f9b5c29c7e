import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../passwords/password-hashing.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { Group } from './entities/group.entity.js';
import { User } from './entities/user.entity.js';
import { RegistrationGuard } from './guards/registration.guard.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User, Group]), PasswordHashingModule, TokensModule],
  controllers: [UsersController],
  providers: [UsersService, RegistrationGuard],
  exports: [UsersService],
})
export class UsersModule {}
