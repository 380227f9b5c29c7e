import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service.js';

/** bcrypt and the password policy, for every module that stores or checks a password. */
@Module({
  providers: [PasswordHasher],
  exports: [PasswordHasher],
})
export class PasswordHashingModule {}
