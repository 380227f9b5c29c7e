import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy as PassportBasicStrategy } from 'passport-http';
import type { User } from '../entities/user.entity.js';
import { UsersService } from '../users.service.js';

/** `Authorization: Basic` with a username and password. */
@Injectable()
export class BasicStrategy extends PassportStrategy(PassportBasicStrategy, 'basic') {
  constructor(private readonly users: UsersService) {
    super();
  }

  async validate(username: string, password: string): Promise<User | false> {
    return (await this.users.authenticate(username, password)) ?? false;
  }
}
