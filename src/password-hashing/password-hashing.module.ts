import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.service.js';

/**
 * bcrypt, NFKC normalization and the password policy, for every module that stores or checks a
 * password. It knows no API: the routes that hash on request belong to theirs.
 */
@Module({
  providers: [PasswordHasher],
  exports: [PasswordHasher],
})
export class PasswordHashingModule {}
