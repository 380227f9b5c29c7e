import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { CredentialLifecycleService, ownerOf } from '../identity/credential-lifecycle.service.js';
import type {
  SessionSummaryDto,
  UserTokenSummaryDto,
} from '../user-store/dto/credential-summaries.dto.js';
import { clientFields, type RequestActor } from '../identity/request-actor.decorator.js';
import { UserCredentialsService } from '../user-store/user-credentials.service.js';
import type {
  RecoveryCodesDto,
  TotpEnrolmentDto,
} from '../credentials/second-factor/dto/second-factor.dto.js';
import { SecondFactorService } from '../credentials/second-factor/second-factor.service.js';
import { PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import type { ProfileDto, UpdateProfileDto } from '../identity/dto/profile.dto.js';
import { User } from '../user-store/entities/user.entity.js';
import { toProfileDto } from '../identity/profile.js';
import { UsersService } from '../user-store/users.service.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { OwnerProofDto, SetMyPublicKeyDto } from './dto/owner-proof.dto.js';
import type { AddPasskeyDto } from './dto/passkeys.dto.js';
import {
  type NewPasskeyDto,
  newPasskeyDtoOf,
  type PasskeyDto,
  passkeyDtoOf,
} from '../credentials/passkeys/dto/passkey.dto.js';
import type { CreationOptionsDto } from '../credentials/passkeys/dto/webauthn-json.dto.js';
import type { CreationOptions } from '../credentials/passkeys/passkeys.service.js';
import type { Session } from '../user-store/entities/session.entity.js';
import { BY_USER } from '../security-events/security-event-facts.js';

const SELF_SERVICE = 'self-service';

/**
 * What a signed-in user may do to their own account. Every change of a credential (password,
 * login key, second factor) is the credential lifecycle's, which asks the owner's proof.
 */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UsersService,
    private readonly lifecycle: CredentialLifecycleService,
    private readonly credentials: UserCredentialsService,
    private readonly audit: AuditService,
    private readonly secondFactor: SecondFactorService,
    private readonly passkeys: PasskeysService,
    @InjectRepository(User) private readonly userRepository: Repository<User>,
  ) {}

  async profile(userId: number): Promise<ProfileDto> {
    const user = await this.userRepository.findOne({
      where: { id: userId },
      relations: { groups: true },
    });
    if (!user) throw new NotFoundException('No such user');
    return toProfileDto(user, {
      secondFactor: await this.secondFactor.isOn(userId),
      passkeys: await this.passkeys.list(userId),
    });
  }

  async updateProfile(actor: RequestActor, dto: UpdateProfileDto): Promise<ProfileDto> {
    const { user } = actor.caller;
    await this.users.update(
      user,
      {
        firstName: dto.firstName,
        lastName: dto.lastName,
        email: dto.email,
        description: dto.description,
      },
      BY_USER,
    );
    return this.profile(user.id);
  }

  async setPublicKey(actor: RequestActor, dto: SetMyPublicKeyDto): Promise<ProfileDto> {
    await this.lifecycle.setLoginKey(ownerOf(actor), dto.publicKey, proofOf(dto));
    return this.profile(actor.caller.user.id);
  }

  removePublicKey(actor: RequestActor, dto: OwnerProofDto): Promise<void> {
    return this.lifecycle.removeLoginKey(actor, proofOf(dto));
  }

  changePassword(actor: RequestActor, dto: ChangePasswordDto): Promise<void> {
    return this.lifecycle.changePassword(actor, dto.oldPassword, dto.newPassword, dto.code ?? null);
  }

  startSecondFactor(actor: RequestActor, password: string): Promise<TotpEnrolmentDto> {
    return this.lifecycle.startSecondFactor(actor, password);
  }

  async confirmSecondFactor(actor: RequestActor, code: string): Promise<RecoveryCodesDto> {
    return { recoveryCodes: await this.lifecycle.confirmSecondFactor(actor, code) };
  }

  disableSecondFactor(actor: RequestActor, code: string): Promise<void> {
    return this.lifecycle.turnOffSecondFactor(actor, code);
  }

  /**
   * Creation options for a new passkey of mine, once I prove the current password (and a code
   * while my second factor is on), with the challengeId to send back with the new credential.
   */
  async passkeyOptions(actor: RequestActor, dto: OwnerProofDto): Promise<CreationOptionsDto> {
    return withChallengeId(await this.lifecycle.passkeyOptions(actor, proofOf(dto)));
  }

  /**
   * Creation options on the portal, for a browser whose `session` (the caller's own) signed in
   * with a passkey within the last 5 minutes: that sign-in stands for the password. 403 else.
   */
  async passkeyOptionsAfterPasskeySignIn(
    actor: RequestActor,
    session: Session,
  ): Promise<CreationOptionsDto> {
    return withChallengeId(await this.lifecycle.passkeyOptionsAfterPasskeySignIn(actor, session));
  }

  /** Stores the passkey the browser made for my options' challenge, under `name`. */
  async addPasskey(actor: RequestActor, dto: AddPasskeyDto): Promise<NewPasskeyDto> {
    const passkey = await this.lifecycle.addPasskey(
      actor,
      dto.challengeId ?? null,
      dto.response,
      dto.name,
    );
    return newPasskeyDtoOf(passkey);
  }

  async listPasskeys(actor: RequestActor): Promise<PasskeyDto[]> {
    return (await this.passkeys.list(actor.caller.user.id)).map(passkeyDtoOf);
  }

  async renamePasskey(actor: RequestActor, id: number, name: string): Promise<PasskeyDto> {
    return passkeyDtoOf(await this.lifecycle.renamePasskey(actor, id, name));
  }

  removePasskey(actor: RequestActor, id: number): Promise<void> {
    return this.lifecycle.removePasskey(actor, id);
  }

  listUserTokens(actor: RequestActor): Promise<UserTokenSummaryDto[]> {
    return this.credentials.listUserTokens(actor.caller.user.id);
  }

  listSessions(actor: RequestActor): Promise<SessionSummaryDto[]> {
    return this.credentials.listSessions(actor.caller.user.id);
  }

  async revokeUserToken(actor: RequestActor, tokenId: number): Promise<void> {
    const userId = actor.caller.user.id;
    const removed = await this.credentials.removeUserToken(tokenId, BY_USER, userId);
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

  /**
   * Signs out everywhere else: every session of mine ends but the one this call came with (all of
   * them, when it came with a token). User tokens and access JWTs are not sessions and stay.
   */
  async endOtherSessions(actor: RequestActor): Promise<number> {
    const userId = actor.caller.user.id;
    const { credential } = actor.caller;
    const keptSid = credential.kind === 'session' ? credential.id : undefined;
    const ended = await this.credentials.endOtherSessions(userId, BY_USER, keptSid);
    await this.audit.record({
      type: 'session.end',
      outcome: 'success',
      api: SELF_SERVICE,
      userId,
      ...clientFields(actor),
      detail: { allOthers: true, ended, ...(keptSid !== undefined && { keptSid }) },
    });
    return ended;
  }

  async endSession(actor: RequestActor, sid: number): Promise<void> {
    const userId = actor.caller.user.id;
    const ended = await this.credentials.endSession(sid, BY_USER, userId);
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

/** Options as the browser's startRegistration takes them, with the id of their challenge. */
function withChallengeId({ options, challengeId }: CreationOptions): CreationOptionsDto {
  return { ...options, challengeId } as CreationOptionsDto;
}

/** The proof a self-service body carries: the current password, and a code (null: none sent). */
function proofOf(dto: OwnerProofDto): { password: string; code: string | null } {
  return { password: dto.password, code: dto.code ?? null };
}
