import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type FindOptionsWhere, In, Raw, Repository } from 'typeorm';
import { type AdminActor, adminChangeFields, adminIdOf } from '../identity/admin-actor.js';
import { type CredentialsShown, toProfileDto } from '../identity/profile.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import { SecondFactorService } from '../credentials/second-factor/second-factor.service.js';
import { PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import { DEFAULT_PAGE_SIZE } from '../common/validation/query-values.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { BY_ADMIN } from '../security-events/security-event-facts.js';
import {
  CredentialLifecycleService,
  type RemovedSecondFactors,
} from '../identity/credential-lifecycle.service.js';
import { LoginLockoutService } from '../identity/login-lockout.service.js';
import type { EndedCredentials } from '../user-store/user-credentials.service.js';
import {
  checkedScope,
  type UserChanges,
  usernameKey,
  UsersService,
} from '../user-store/users.service.js';
import {
  type AdminUserDto,
  type ListUsersQueryDto,
  type UpdateUserDto,
  type UserPageDto,
} from './dto/admin-user.dto.js';

/** The escape character of username-prefix patterns: the one LIKE syntax both databases share. */
const LIKE_ESCAPE = '!';

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[!%_]/g, (character) => LIKE_ESCAPE + character)}%`;
}

function toAdminUserDto(user: User, shown: CredentialsShown, now: Date): AdminUserDto {
  return Object.assign(toProfileDto(user, shown), {
    enabled: user.enabled,
    lockedUntil: user.lockedUntil && user.lockedUntil > now ? user.lockedUntil.toISOString() : null,
  });
}

/**
 * The administration of users: search, read, change, delete. Resetting a credential is the
 * credential lifecycle's (CredentialLifecycleService).
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly store: UsersService,
    private readonly lifecycle: CredentialLifecycleService,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditService,
    private readonly secondFactor: SecondFactorService,
    private readonly passkeys: PasskeysService,
    private readonly clock: Clock,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(Group) private readonly groups: Repository<Group>,
  ) {}

  async list(query: ListUsersQueryDto): Promise<UserPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const offset = query.offset ?? 0;
    const where: FindOptionsWhere<User> = {
      ...(query.privilege !== undefined && { privilege: query.privilege }),
      ...(query.enabled !== undefined && { enabled: query.enabled }),
      ...(query.q !== undefined &&
        query.q !== '' && {
          usernameKey: Raw((column) => `${column} LIKE :prefix ESCAPE '${LIKE_ESCAPE}'`, {
            prefix: likePrefix(usernameKey(query.q)),
          }),
        }),
    };
    const [users, total] = await this.users.findAndCount({
      where,
      order: { id: 'ASC' },
      skip: offset,
      take: limit,
    });
    const ids = users.map((user) => user.id);
    const withGroups = await this.withGroups(ids);
    const secondFactorOn = await this.secondFactor.onAmong(ids);
    const passkeys = await this.passkeys.listAmong(ids);
    const now = this.clock.now();
    return {
      items: users.map((user) =>
        toAdminUserDto(
          withGroups.get(user.id) ?? user,
          { secondFactor: secondFactorOn.has(user.id), passkeys: passkeys.get(user.id) ?? [] },
          now,
        ),
      ),
      total,
      limit,
      offset,
    };
  }

  async get(id: number): Promise<AdminUserDto> {
    const user = await this.existing(id);
    const shown = {
      secondFactor: await this.secondFactor.isOn(id),
      passkeys: await this.passkeys.list(id),
    };
    return toAdminUserDto(user, shown, this.clock.now());
  }

  /**
   * Applies an admin's changes. Disabling ends every user token and session of the user in the
   * same transaction; a disable, or a change of privilege or scope, ends their access JWTs for
   * good (see UsersService.update).
   */
  async update(actor: AdminActor, id: number, dto: UpdateUserDto): Promise<AdminUserDto> {
    const user = await this.existing(id);
    if (id === adminIdOf(actor) && (dto.enabled === false || dto.privilege === 'user')) {
      throw new ConflictException('An admin cannot disable or demote themselves');
    }
    const changes: UserChanges = {};
    const changed: string[] = [];
    const set = <K extends keyof UserChanges>(field: K, value: UserChanges[K] | undefined) => {
      if (value === undefined) return;
      changed.push(field);
      changes[field] = value;
    };
    set('privilege', dto.privilege);
    set('scope', dto.scope === undefined ? undefined : checkedScope(dto.scope));
    set('firstName', dto.firstName);
    set('lastName', dto.lastName);
    set('email', dto.email);
    set('description', dto.description);
    set('enabled', dto.enabled);
    if (dto.groups !== undefined) set('groups', await this.groupsByIds(dto.groups));

    if (changed.length === 0) return this.get(id);
    const ended = await this.store.update(user, changes, BY_ADMIN);
    await this.recordChange(actor, id, {
      action: 'user.update',
      fields: changed.join(','),
      ...(ended && { sessionsEnded: ended.sessions, userTokensRevoked: ended.userTokens }),
    });
    return this.get(id);
  }

  async setGroups(actor: AdminActor, id: number, groupIds: number[]): Promise<AdminUserDto> {
    return this.update(actor, id, { groups: groupIds });
  }

  /**
   * Sets a new password and ends every user token, session and access JWT of the user. A lock
   * from failed logins is lifted.
   */
  resetPassword(actor: AdminActor, id: number, password: string): Promise<EndedCredentials> {
    return this.lifecycle.resetPassword(actor, id, password);
  }

  /** Removes a user's second factors, on or pending, with the recovery codes. */
  resetSecondFactor(actor: AdminActor, id: number): Promise<RemovedSecondFactors> {
    return this.lifecycle.resetSecondFactor(actor, id);
  }

  /**
   * Lifts a lock from failed logins and clears their count, so that the right password (and
   * code) lets the user in at once; what the lock held is audited.
   */
  async unlock(actor: AdminActor, id: number): Promise<AdminUserDto> {
    await this.existing(id);
    const cleared = await this.lockout.clear(id);
    await this.recordChange(actor, id, {
      action: 'user.unlock',
      failedLoginCount: cleared?.failedLoginCount ?? 0,
      wasLocked: this.lockout.secondsLocked(cleared, this.clock.now()) > 0,
    });
    return this.get(id);
  }

  /** Deletes a user with their user tokens, sessions and memberships; their access JWTs stop at once. */
  async remove(actor: AdminActor, id: number): Promise<void> {
    const user = await this.existing(id);
    if (id === adminIdOf(actor)) throw new ConflictException('An admin cannot delete themselves');
    const ended = await this.store.remove(user, BY_ADMIN);
    await this.recordChange(actor, id, {
      action: 'user.delete',
      username: user.username,
      sessionsEnded: ended.sessions,
      userTokensRevoked: ended.userTokens,
    });
  }

  private async existing(id: number): Promise<User> {
    const user = await this.users.findOne({ where: { id }, relations: { groups: true } });
    if (!user) throw new NotFoundException('No user has this id');
    return user;
  }

  /** The users with these ids, their groups loaded. */
  private async withGroups(ids: number[]): Promise<Map<number, User>> {
    if (ids.length === 0) return new Map();
    const users = await this.users.find({ where: { id: In(ids) }, relations: { groups: true } });
    return new Map(users.map((user) => [user.id, user]));
  }

  private async groupsByIds(ids: number[]): Promise<Group[]> {
    const unique = [...new Set(ids)];
    const groups = unique.length ? await this.groups.findBy({ id: In(unique) }) : [];
    const missing = unique.filter((id) => !groups.some((group) => group.id === id));
    if (missing.length) throw new NotFoundException(`No group has id ${missing.join(', ')}`);
    return groups;
  }

  private recordChange(
    actor: AdminActor,
    userId: number,
    detail: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    return this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      userId,
      ...adminChangeFields(actor),
      detail,
    });
  }
}
