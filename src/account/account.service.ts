import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { User } from '../users/entities/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { PasswordCheckService } from '../identity/password-check.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { SessionSummaryDto, UserTokenSummaryDto } from '../identity/dto/credentials.dto.js';
import type { ProfileDto, UpdateProfileDto } from '../users/dto/profile.dto.js';
import { toProfileDto } from '../users/profile.js';
import { clientFields, type RequestActor } from '../identity/request-actor.decorator.js';
import { UserCredentialsService } from '../identity/user-credentials.service.js';

const SELF_SERVICE = 'self-service';

/** What a signed-in user may do to their own account. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly passwords: PasswordCheckService,
    private readonly credentials: UserCredentialsService,
    private readonly audit: AuditService,
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
    const { user } = actor.caller;
    await this.users.update(user, {
      firstName: dto.firstName,
      lastName: dto.lastName,
      email: dto.email,
      description: dto.description,
    });
    return this.profile(user.id);
  }

  async setPublicKey(actor: RequestActor, publicKey: string): Promise<ProfileDto> {
    await this.users.setPublicKey(actor.caller.user, publicKey);
    return this.profile(actor.caller.user.id);
  }

  /**
   * Changes the caller's password once the new one passes the policy and the old one the one
   * password check (so failures count towards the lockout). Every other session and user token
   * ends; the one this call came with is kept, as if just issued, since the caller has proved the
   * password again. Every access JWT issued before stops, the caller's included.
   */
  async changePassword(actor: RequestActor, dto: ChangePasswordDto): Promise<void> {
    const { user, credential } = actor.caller;
    const ended = await this.users.setPassword(user, dto.newPassword, {
      field: 'newPassword',
      keep: credential,
      confirm: () => this.checkOldPassword(actor, dto.oldPassword),
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

  /** Refuses (403, audited) an old password that is not the caller's current one. */
  private async checkOldPassword(actor: RequestActor, oldPassword: string): Promise<void> {
    const { user } = actor.caller;
    const verified = await this.passwords.check(user.username, oldPassword, {
      api: SELF_SERVICE,
      address: actor.address,
      agent: actor.agent,
    });
    if (verified?.id === user.id) return;
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
