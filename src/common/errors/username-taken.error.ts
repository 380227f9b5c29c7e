import { BadRequestException } from '@nestjs/common';

/** A registration whose username (in any case) is already a user's; it names the one asked for. */
export class UsernameTakenError extends BadRequestException {
  constructor(readonly username: string) {
    super('username is already taken');
  }
}
