import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { UserToken } from '../auth/entities/user-token.entity.js';
import { AuditService } from '../audit/audit.service.js';
import { PasswordHasher } from '../passwords/password-hasher.service.js';
import { Session } from '../sessions/entities/session.entity.js';
import { User } from '../users/entities/user.entity.js';
import { UsersService } from '../users/users.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { SessionSummaryDto, UserTokenSummaryDto } from './dto/credentials.dto.js';
import type { ProfileDto, UpdateProfileDto } from './dto/profile.dto.js';
import { toProfileDto } from './profile.js';
import { clientFields, type RequestActor } from './request-actor.decorator.js';
import { UserCredentialsService } from './user-credentials.service.js';

const SELF_SERVICE = 'self-service';

/** What a signed-in user may do to their own account. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly credentials: UserCredentialsService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    @InjectRepository(User) private readonly userRepository: Repository<User>,
  ) {}

  async profile(userId: number): Promise<ProfileDto> {
    const user = await this.userRepository.findOne({
      where: { id: userId },
      relations: { groups: true },
    });
    if (!user) throw new NotFoundException('No such user');
    return toProfileDto(user);
  }

  async updateProfile(actor: RequestActor, dto: UpdateProfileDto): Promise<ProfileDto> {
    const userId = actor.caller.user.id;
    const changes = Object.fromEntries(
      Object.entries(dto).filter(([, value]) => value !== undefined),
    ) as Partial<User>;
    if (Object.keys(changes).length > 0) await this.userRepository.update({ id: userId }, changes);
    return this.profile(userId);
  }

  async setPublicKey(actor: RequestActor, publicKey: string): Promise<ProfileDto> {
    await this.users.setPublicKey(actor.caller.user, publicKey);
    return this.profile(actor.caller.user.id);
  }

  /**
   * Changes the caller's password, the old one checked by the one password check (so failures
   * count towards the lockout). Every other session and user token ends; the one this call came
   * with is kept, as if just issued, since the caller has proved the password again. Access JWTs
   * issued before die by the credentials-changed rule, in whole seconds: one issued in the same
   * second as the change survives it.
   */
  async changePassword(actor: RequestActor, dto: ChangePasswordDto): Promise<void> {
    const { user, credential } = actor.caller;
    const violation = this.hasher.policyViolation(dto.newPassword);
    if (violation) throw new BadRequestException(violation.replace(/^password/, 'newPassword'));
    const verified = await this.users.authenticate(user.username, dto.oldPassword, {
      api: SELF_SERVICE,
      address: actor.address,
      agent: actor.agent,
    });
    if (!verified || verified.id !== user.id) {
      await this.audit.record({
        type: 'password.change',
        outcome: 'failure',
        api: SELF_SERVICE,
        userId: user.id,
        username: user.username,
        ...clientFields(actor),
        detail: { reason: 'wrong old password' },
      });
      throw new ForbiddenException('oldPassword is not the current password');
    }
    const passwordHash = await this.hasher.hash(dto.newPassword);
    const now = new Date();
    const ended = await this.dataSource.transaction(async (manager) => {
      await manager.update(User, { id: user.id }, { passwordHash, credentialsChangedAt: now });
      if (credential.kind === 'session') {
        await manager.update(Session, { id: credential.id, userId: user.id }, { createdAt: now });
      } else if (credential.kind === 'user-token') {
        await manager.update(
          UserToken,
          { id: credential.id, userId: user.id },
          { creationTime: now },
        );
      }
      return this.credentials.endAll(manager, user.id, credential);
    });
    await this.audit.record({
      type: 'password.change',
      outcome: 'success',
      api: SELF_SERVICE,
      userId: user.id,
      username: user.username,
      ...clientFields(actor),
      detail: {
        keptCredential: credential.kind === 'jwt' ? 'none' : credential.kind,
        sessionsEnded: ended.sessions,
        userTokensRevoked: ended.userTokens,
      },
    });
  }

  listUserTokens(actor: RequestActor): Promise<UserTokenSummaryDto[]> {
    return this.credentials.listUserTokens(actor.caller.user.id);
  }

  listSessions(actor: RequestActor): Promise<SessionSummaryDto[]> {
    return this.credentials.listSessions(actor.caller.user.id);
  }

  async revokeUserToken(actor: RequestActor, tokenId: number): Promise<void> {
    const userId = actor.caller.user.id;
    const removed = await this.credentials.removeUserToken(tokenId, userId);
    if (!removed) throw new NotFoundException('You have no user token with this id');
    await this.audit.record({
      type: 'token.revoke',
      outcome: 'success',
      api: SELF_SERVICE,
      userId,
      ...clientFields(actor),
      detail: { userTokenId: tokenId },
    });
  }

  async endSession(actor: RequestActor, sid: number): Promise<void> {
    const userId = actor.caller.user.id;
    const ended = await this.credentials.endSession(sid, userId);
    if (!ended) throw new NotFoundException('You have no session with this sid');
    await this.audit.record({
      type: 'session.end',
      outcome: 'success',
      api: SELF_SERVICE,
      userId,
      ...clientFields(actor),
      detail: { sid },
    });
  }
}
