import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PasswordHashingModule } from '../password-hashing/password-hashing.module.js';
import { TokensModule } from '../credentials/access-tokens/tokens.module.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { RegistrationGuard } from './guards/registration.guard.js';
import { UsersController } from './users.controller.js';
import { UsersService } from '../user-store/users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User, Group]), PasswordHashingModule, TokensModule],
  controllers: [UsersController],
  providers: [UsersService, RegistrationGuard],
  exports: [UsersService],
})
export class UsersModule {}
