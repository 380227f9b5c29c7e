import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { LoginLockoutService } from '../identity/login-lockout.service.js';
import type { RecoveryCodesDto, TotpEnrolmentDto } from '../second-factor/dto/second-factor.dto.js';
import { SecondFactorService } from '../second-factor/second-factor.service.js';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { type AuditEventType, AuditService } from '../audit/audit.service.js';
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
    private readonly secondFactor: SecondFactorService,
    private readonly lockout: LoginLockoutService,
    @InjectRepository(User) private readonly userRepository: Repository<User>,
  ) {}

  async profile(userId: number): Promise<ProfileDto> {
    const user = await this.userRepository.findOne({
      where: { id: userId },
      relations: { groups: true },
    });
    if (!user) throw new NotFoundException('No such user');
    return toProfileDto(user, await this.secondFactor.isOn(userId));
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
    if (await this.isCurrentPassword(actor, oldPassword)) return;
    await this.recordSelfService(actor, 'password.change', 'failure', {
      reason: 'wrong old password',
    });
    throw new ForbiddenException('oldPassword is not the current password');
  }

  /**
   * Starts enrolling a TOTP second factor, once the current password is proved again (a stolen
   * token or session alone cannot add the thief's factor); the account is as it was until a
   * first code confirms it.
   */
  async startSecondFactor(actor: RequestActor, password: string): Promise<TotpEnrolmentDto> {
    this.secondFactor.assertAvailable();
    if (!(await this.isCurrentPassword(actor, password))) {
      await this.recordSelfService(actor, 'second-factor.enrol', 'failure', {
        reason: 'wrong password',
      });
      throw new ForbiddenException('password is not the current password');
    }
    const { user } = actor.caller;
    const enrolment = await this.secondFactor.startEnrolment(user.id, user.username);
    await this.recordSelfService(actor, 'second-factor.enrol', 'success');
    return enrolment;
  }

  /** Turns the pending second factor on with its first code; the recovery codes, shown this once. */
  async confirmSecondFactor(actor: RequestActor, code: string): Promise<RecoveryCodesDto> {
    const recoveryCodes = await this.secondFactor.confirm(actor.caller.user.id, code);
    if (!recoveryCodes) {
      await this.recordSelfService(actor, 'second-factor.enable', 'failure', {
        reason: 'wrong code',
      });
      throw new ForbiddenException('code is not a current code of the secret being enrolled');
    }
    await this.recordSelfService(actor, 'second-factor.enable', 'success');
    return { recoveryCodes };
  }

  /**
   * Turns the second factor off with one of its codes. A wrong code counts towards the account's
   * lock, as at a login: a stolen session must not get to guess codes without end.
   */
  async disableSecondFactor(actor: RequestActor, code: string): Promise<void> {
    const subject = { userId: actor.caller.user.id };
    const lockedFor = await this.lockout.lockedForSeconds(subject);
    if (lockedFor > 0) throw new TooManyAttemptsException(lockedFor);
    if (await this.secondFactor.disable(subject.userId, code)) {
      await this.recordSelfService(actor, 'second-factor.disable', 'success');
      return;
    }
    const lockedNow = await this.lockout.recordFailure(subject);
    await this.recordSelfService(actor, 'second-factor.disable', 'failure', {
      reason: 'wrong code',
      locked: lockedNow > 0,
    });
    if (lockedNow > 0) throw new TooManyAttemptsException(lockedNow);
    throw new ForbiddenException('code is not a current TOTP or an unused recovery code');
  }

  /** The one password check, for a caller who is signed in already (no second factor asked). */
  private async isCurrentPassword(actor: RequestActor, password: string): Promise<boolean> {
    const { user } = actor.caller;
    const verified = await this.passwords.check(
      user.username,
      password,
      { api: SELF_SERVICE, address: actor.address, agent: actor.agent },
      'signed-in',
    );
    return verified?.id === user.id;
  }

  private recordSelfService(
    actor: RequestActor,
    type: AuditEventType,
    outcome: 'success' | 'failure',
    detail?: Record<string, string | boolean>,
  ): Promise<void> {
    const { user } = actor.caller;
    return this.audit.record({
      type,
      outcome,
      api: SELF_SERVICE,
      userId: user.id,
      username: user.username,
      ...clientFields(actor),
      detail,
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
