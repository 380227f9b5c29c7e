import { Injectable } from '@nestjs/common';
import {
  type GenericResponse,
  genericResponse,
  SessionApiException,
} from '../common/dialects/generic-response.js';
import { PasswordHasher } from '../password-hashing/password-hasher.service.js';
import type { User } from '../user-store/entities/user.entity.js';
import { UsersService } from '../user-store/users.service.js';
import type {
  HashPasswordRequestDto,
  MatchPasswordRequestDto,
} from '../sessions/dto/session-requests.dto.js';
import type { HashPasswordResponseDto } from '../sessions/dto/session-responses.dto.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';

/** The session API's `hashpassword` and `matchpassword`, for a live session's user. */
@Injectable()
export class PasswordOperationsService {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  /** A session may hash for its own user; an admin's session for anyone. */
  async hash(actor: User, request: HashPasswordRequestDto): Promise<HashPasswordResponseDto> {
    if (actor.id !== request.userId && actor.privilege !== 'admin') {
      throw new SessionApiException(
        'PERMISSION',
        'A session may hash only for its own user',
        undefined,
        'userId',
      );
    }
    const target = actor.id === request.userId ? actor : await this.users.findById(request.userId);
    if (!target)
      throw new SessionApiException('NOTFOUND', 'No user has this id', undefined, 'userId');
    const violation = this.hasher.policyViolation(request.password);
    if (violation) throw new SessionApiException('INVALIDDATA', violation, undefined, 'password');
    return {
      hash: await this.hasher.hash(request.password),
      user: await this.sessions.describeUser(target),
      ...genericResponse('OK', 'Successfully hashed password'),
    };
  }

  async match(request: MatchPasswordRequestDto): Promise<GenericResponse> {
    const matches = await this.hasher.matchesForeignHash(request.password, request.hash);
    if (matches === null) {
      throw new SessionApiException(
        'INVALIDDATA',
        'hash is not a bcrypt hash this service can check',
        undefined,
        'hash',
      );
    }
    // The verdict is the answer, not a failure of the call: both go out at the success status.
    return matches
      ? genericResponse('OK', 'Password matches')
      : genericResponse('FAILURE', 'Password does not match');
  }
}
