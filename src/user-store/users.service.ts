import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, In, Repository } from 'typeorm';
import type { CallerCredential } from './user-credentials.service.js';
import { type EndedCredentials, UserCredentialsService } from './user-credentials.service.js';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { isUniqueViolation } from '../common/errors/database-errors.js';
import { PasswordHasher } from '../password-hashing/password-hasher.service.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { Group } from './entities/group.entity.js';
import { type Privilege, User } from './entities/user.entity.js';
import { normalizeRsaPublicKey } from './public-key.js';
import { UsernameTakenError } from '../common/errors/username-taken.error.js';
import {
  BY_ADMIN,
  type ChangeOrigin,
  type CredentialChangeType,
  type SecurityChange,
  SecurityEventFacts,
} from '../security-events/security-event-facts.js';

/** Space-separated scope tokens (RFC 6749 §3.3), up to the column's 1024 characters. */
const SCOPE_PATTERN = /^(?=.{1,1024}$)[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

export function checkedPublicKey(pem: string): string {
  const publicKey = normalizeRsaPublicKey(pem);
  if (!publicKey) {
    throw new BadRequestException(
      'publicKey must be an RSA public key of at least 2048 bits in SPKI PEM form',
    );
  }
  return publicKey;
}

/** A scope as stored: space-separated words of printable characters, or null for the default. */
export function checkedScope(scope: string | null): string | null {
  if (scope !== null && !SCOPE_PATTERN.test(scope)) {
    throw new BadRequestException('scope must be space-separated words of printable characters');
  }
  return scope;
}

/** The key under which a username is unique: case and compatibility forms folded. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

/** What may be changed of a user, each value already checked; what is undefined stays. */
export interface UserChanges {
  privilege?: Privilege;
  scope?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  description?: string | null;
  publicKey?: string | null;
  enabled?: boolean;
  groups?: Group[];
}

/** A user as an import writes them: the hash as it came, every other field already checked. */
export interface ImportedUser {
  username: string;
  passwordHash: string;
  privilege?: Privilege;
  scope?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  description?: string | null;
  enabled?: boolean;
}

/** What an import records of a line it applied (User.importedHashDigest, importedLineDigest). */
export interface ImportDigests {
  importedHashDigest: string | null;
  importedLineDigest: string;
}

/**
 * The columns a user created by an import is stored with: what the line names, the defaults of a
 * new user for the rest. The insert and a dry run's reckoning of it both read them here.
 */
export function importedUserColumns(user: ImportedUser & ImportDigests) {
  return {
    username: user.username,
    usernameKey: usernameKey(user.username),
    passwordHash: user.passwordHash,
    privilege: user.privilege ?? 'user',
    scope: user.scope ?? null,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    email: user.email ?? null,
    description: user.description ?? null,
    enabled: user.enabled ?? true,
    importedHashDigest: user.importedHashDigest,
    importedLineDigest: user.importedLineDigest,
  };
}

/** What an import line changes of an existing user, each value already checked. */
export interface ImportedChanges extends ImportDigests {
  /** A hash replacing the one the user's earlier import stored: a password change. */
  passwordHash?: string;
  columns: Omit<UserChanges, 'groups' | 'publicKey'>;
  groups?: Group[];
}

export interface SetPasswordOptions {
  /** The credential the call came with, which survives the change (a self-service change). */
  keep?: CallerCredential;
  /** Lifts a lock from failed logins (an admin's reset). */
  unlock?: boolean;
  /** The request field a policy refusal names (`password` unless given). */
  field?: string;
  /** Runs once the new password passes the policy and before anything changes; throws to refuse. */
  confirm?: () => Promise<void>;
  /** Who sets it, as the change's security events tell receivers. */
  by?: ChangeOrigin;
}

/** The SQL that moves a user's credential version: in the statement, so no change is lost. */
const NEXT_CREDENTIAL_VERSION = () => '"credentialVersion" + 1';

/** The configured admin brought in line with ADMIN_USERNAME/ADMIN_PASSWORD at start-up. */
const CONFIGURED_ADMIN: ChangeOrigin = {
  initiatingEntity: 'system',
  reasonAdmin: 'Brought in line with ADMIN_USERNAME/ADMIN_PASSWORD',
};

/**
 * The user's credential version as the transaction of `manager` has left it: what the change's
 * security events carry, so that receivers refuse exactly the access JWTs the change ended.
 */
export async function credentialVersionOf(manager: EntityManager, userId: number): Promise<number> {
  const row = await manager.findOne(User, {
    select: { id: true, credentialVersion: true },
    where: { id: userId },
  });
  return row?.credentialVersion ?? 0;
}

/** What became of the RSA login key, in CAEP's words; null when it stayed as it was. */
function loginKeyChange(before: string | null, after: string | null): CredentialChangeType | null {
  if (before === after) return null;
  if (before === null) return 'create';
  return after === null ? 'delete' : 'update';
}

/**
 * The one user store, and the one writer of what a credential depends on: a new password is set
 * only by setPassword, privilege, scope and enabled are changed only by update, and each change
 * that ends access JWTs moves the user's credential version (User.credentialVersion) in the
 * transaction that makes it, with the security events the change owes receivers.
 */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly credentials: UserCredentialsService,
    private readonly clock: Clock,
    private readonly facts: SecurityEventFacts,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.admin)
      await this.ensureAdmin(this.config.admin.username, this.config.admin.password);
  }

  /** Registers a user; a taken name (in any case) is a 400, decided by the database's unique index. */
  async register(dto: CreateUserDto, privilege: Privilege = 'user'): Promise<User> {
    this.checkPolicy(dto.password);
    const publicKey = dto.publicKey === undefined ? null : checkedPublicKey(dto.publicKey);
    try {
      return await this.users.save(
        this.users.create({
          username: dto.username,
          usernameKey: usernameKey(dto.username),
          passwordHash: await this.hasher.hash(dto.password),
          privilege,
          firstName: dto.firstName ?? null,
          lastName: dto.lastName ?? null,
          email: dto.email ?? null,
          description: dto.description ?? null,
          publicKey,
          credentialsChangedAt: this.clock.now(),
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new UsernameTakenError(dto.username);
      throw error;
    }
  }

  findById(id: number): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<User | null> {
    return this.findByKey(usernameKey(username));
  }

  /**
   * Stores a hash of the same password made at the configured cost, after a login proved the
   * password: not a password change, so no credential ends. Only over the hash the login
   * verified: a password set (or a hash imported) meanwhile stays.
   */
  async storeRehash(user: User, passwordHash: string): Promise<void> {
    await this.users.update({ id: user.id, passwordHash: user.passwordHash }, { passwordHash });
  }

  /** The user under this username key; none has a NUL in it, and PostgreSQL could not even compare one. */
  private async findByKey(key: string): Promise<User | null> {
    return key.includes('\0') ? null : this.users.findOneBy({ usernameKey: key });
  }

  /**
   * Sets the key that verifies the user's `loginwithrsa` signatures (checked already, see
   * checkedPublicKey), or removes it with null.
   */
  async setPublicKey(user: User, publicKey: string | null, by: ChangeOrigin): Promise<void> {
    await this.update(user, { publicKey }, by);
  }

  /**
   * Ends every credential of a user but the password and the second factor, in one transaction
   * (the caller's change, when given): every user token and session, every access JWT (the
   * credential version moves), and the RSA login key. Answers what was ended.
   */
  async endAllCredentials(
    user: User,
    by: ChangeOrigin | SecurityChange,
  ): Promise<EndedCredentials> {
    return this.facts.within(this.users.manager, by, async (change) => {
      const { manager } = change;
      const before = await manager.findOne(User, {
        select: { id: true, publicKey: true },
        where: { id: user.id },
      });
      await manager.update(
        User,
        { id: user.id },
        { publicKey: null, credentialVersion: NEXT_CREDENTIAL_VERSION },
      );
      const ended = await this.credentials.endAll(manager, user.id);
      await this.recordChanged(change, user.id, {
        endedAll: true,
        keyChange: before?.publicKey ? 'delete' : null,
      });
      return ended;
    });
  }

  /**
   * Sets a user's own JWT scope, as an admin does from the command line; null returns them to
   * their privilege's default.
   */
  async setScope(username: string, scope: string | null): Promise<void> {
    const checked = checkedScope(scope);
    const user = await this.findByUsername(username);
    if (!user) throw new NotFoundException(`No user named ${username}`);
    await this.update(user, { scope: checked }, BY_ADMIN);
  }

  /**
   * Sets a user's password: the policy, the hash, and in one transaction the new hash, the
   * credential time and version moved, and every other user token and session of the user ended
   * (their access JWTs stop by the version), told to receivers in the same transaction. Answers
   * what was ended.
   */
  async setPassword(
    user: User,
    password: string,
    { keep, unlock = false, field = 'password', confirm, by = {} }: SetPasswordOptions = {},
  ): Promise<EndedCredentials> {
    this.checkPolicy(password, field);
    await confirm?.();
    const passwordHash = await this.hasher.hash(password);
    const changedAt = this.clock.now();
    return this.users.manager.transaction(async (manager) => {
      const change = this.facts.change(manager, by);
      await manager.update(
        User,
        { id: user.id },
        {
          passwordHash,
          credentialsChangedAt: changedAt,
          credentialVersion: NEXT_CREDENTIAL_VERSION,
          ...(unlock && { failedLoginCount: 0, lockedUntil: null }),
        },
      );
      const ended = await this.credentials.endAll(
        manager,
        user.id,
        keep && { credential: keep, changedAt },
      );
      await this.recordChanged(change, user.id, { passwordSet: true });
      return ended;
    });
  }

  /**
   * Applies `changes` to a user in one transaction, writing only the fields given (never a stale
   * copy of the others). A change of privilege or scope, or a disable, moves the credential
   * version: access JWTs carrying the old claims, or issued before the disable, stop, and
   * enabling again does not bring them back. A disable also ends every user token and session
   * of the user; answers what was ended then, null otherwise. `by`: who makes the change, as its
   * security events tell receivers.
   */
  async update(
    user: User,
    changes: UserChanges,
    by: ChangeOrigin,
  ): Promise<EndedCredentials | null> {
    const { groups, ...given } = changes;
    const columns = Object.fromEntries(
      Object.entries(given).filter(([, value]) => value !== undefined),
    ) as Omit<UserChanges, 'groups'>;
    if (Object.keys(columns).length === 0 && groups === undefined) return null;
    return this.users.manager.transaction((manager) =>
      this.applyChanges(this.facts.change(manager, by), user, columns, groups),
    );
  }

  /**
   * Inserts imported users in the caller's transaction (one batch of an import), their hashes as
   * they came; answers their ids by username key. A name taken meanwhile fails the statement on the
   * unique index, and the import reads its batch again.
   */
  async insertImported(
    manager: EntityManager,
    users: (ImportedUser & ImportDigests)[],
  ): Promise<Map<string, number>> {
    const credentialsChangedAt = this.clock.now();
    await manager
      .createQueryBuilder()
      .insert()
      .into(User)
      .values(users.map((user) => ({ ...importedUserColumns(user), credentialsChangedAt })))
      .updateEntity(false)
      .execute();
    const rows = await manager.find(User, {
      select: { id: true, usernameKey: true },
      where: { usernameKey: In(users.map((user) => usernameKey(user.username))) },
    });
    return new Map(rows.map((row) => [row.usernameKey, row.id]));
  }

  /**
   * Applies an imported line to an existing user, in the caller's transaction: a new hash is a
   * password change (the credential time and version move, every user token and session ends),
   * and the other fields change as update() changes them. The name stays as the user has it: the
   * line found them by it, in any spelling that folds onto it.
   */
  async applyImported(
    manager: EntityManager,
    user: Pick<User, 'id' | 'privilege' | 'scope'>,
    { passwordHash, columns, groups, importedHashDigest, importedLineDigest }: ImportedChanges,
  ): Promise<void> {
    // An import is an admin's, through the admin API or the command line.
    const change = this.facts.change(manager, BY_ADMIN);
    await manager.update(
      User,
      { id: user.id },
      {
        importedHashDigest,
        importedLineDigest,
        ...(passwordHash !== undefined && {
          passwordHash,
          credentialsChangedAt: this.clock.now(),
          credentialVersion: NEXT_CREDENTIAL_VERSION,
        }),
      },
    );
    const passwordSet = passwordHash !== undefined;
    if (passwordSet) await this.credentials.endAll(manager, user.id);
    await this.applyChanges(change, user, columns, groups, passwordSet);
  }

  /**
   * update() within a transaction: the columns given, the groups when given, and the security
   * events of what changed, a new password (`passwordSet`, an import's) among them.
   */
  private async applyChanges(
    change: SecurityChange,
    user: Pick<User, 'id' | 'privilege' | 'scope'>,
    columns: Omit<UserChanges, 'groups'>,
    groups: Group[] | undefined,
    passwordSet = false,
  ): Promise<EndedCredentials | null> {
    const { manager } = change;
    const disabling = columns.enabled === false;
    const claimsChange =
      (columns.privilege !== undefined && columns.privilege !== user.privilege) ||
      (columns.scope !== undefined && columns.scope !== user.scope);
    const endsAccessTokens = disabling || claimsChange;
    const before =
      columns.enabled === true || columns.publicKey !== undefined
        ? await manager.findOne(User, {
            select: { id: true, enabled: true, publicKey: true },
            where: { id: user.id },
          })
        : null;
    if (Object.keys(columns).length > 0) {
      await manager.update(
        User,
        { id: user.id },
        {
          ...columns,
          ...(endsAccessTokens && { credentialVersion: NEXT_CREDENTIAL_VERSION }),
        },
      );
    }
    if (groups !== undefined) {
      const memberships = manager.createQueryBuilder().relation(User, 'groups').of(user.id);
      await memberships.addAndRemove(groups, await memberships.loadMany<Group>());
    }
    const ended = disabling ? await this.credentials.endAll(manager, user.id) : null;
    await this.recordChanged(change, user.id, {
      passwordSet,
      claimsChange,
      disabling,
      enabling: columns.enabled === true && before?.enabled === false,
      keyChange:
        before && columns.publicKey !== undefined
          ? loginKeyChange(before.publicKey, columns.publicKey)
          : null,
    });
    return ended;
  }

  /**
   * The security events of what one change did to a user, once it is written: what changed, then
   * every session and token ended when a password set, a disable or an end of all credentials
   * ended them (one event however many did), each carrying the credential version as the change
   * left it when it moved.
   */
  private async recordChanged(
    change: SecurityChange,
    userId: number,
    done: {
      passwordSet?: boolean;
      claimsChange?: boolean;
      disabling?: boolean;
      enabling?: boolean;
      keyChange?: CredentialChangeType | null;
      endedAll?: boolean;
    },
  ): Promise<void> {
    const { manager } = change;
    const endsAll = done.passwordSet || done.disabling || done.endedAll;
    const moved = endsAll || done.claimsChange;
    const cv = moved ? await credentialVersionOf(manager, userId) : undefined;
    if (done.passwordSet) await change.credentialChanged(userId, 'password', 'update', { cv });
    if (done.claimsChange) {
      const claims = await manager.findOneOrFail(User, {
        select: { id: true, privilege: true, scope: true },
        where: { id: userId },
      });
      await change.claimsChanged(userId, claims, cv!);
    }
    if (done.keyChange) await change.credentialChanged(userId, 'x509', done.keyChange, { cv });
    if (done.disabling) await change.accountDisabled(userId, cv!);
    if (endsAll) await change.allSessionsRevoked(userId, cv!);
    if (done.enabling) await change.accountEnabled(userId);
  }

  /**
   * Deletes a user with their user tokens, sessions and memberships, and tells receivers that the
   * account is gone; answers what was ended.
   */
  async remove(user: User, by: ChangeOrigin): Promise<EndedCredentials> {
    return this.users.manager.transaction(async (manager) => {
      await this.facts.change(manager, by).accountPurged(user.id);
      const ended = await this.credentials.endAll(manager, user.id);
      const memberships = manager.createQueryBuilder().relation(User, 'groups').of(user.id);
      await memberships.remove(await memberships.loadMany<Group>());
      await manager.delete(User, { id: user.id });
      return ended;
    });
  }

  async recordLogin(user: User): Promise<Date> {
    const lastLoginTime = this.clock.now();
    await this.users.update({ id: user.id }, { lastLoginTime });
    return lastLoginTime;
  }

  /** Makes sure the configured admin exists, is an enabled admin and has the configured password. */
  private async ensureAdmin(username: string, password: string): Promise<void> {
    const existing = await this.findByUsername(username);
    if (!existing) {
      // A UsernameTakenError means another instance starting at the same moment created it first.
      await this.register({ username, password }, 'admin').catch((error: unknown) => {
        if (!(error instanceof UsernameTakenError)) throw error;
      });
      return this.ensureAdmin(username, password);
    }
    const passwordInLine = await this.hasher.verify(password, existing.passwordHash);
    const changes: UserChanges = {
      ...(existing.privilege !== 'admin' && { privilege: 'admin' }),
      ...(!existing.enabled && { enabled: true }),
    };
    if (passwordInLine && Object.keys(changes).length === 0) return;
    if (!passwordInLine) await this.setPassword(existing, password, { by: CONFIGURED_ADMIN });
    await this.update(existing, changes, CONFIGURED_ADMIN);
    this.logger.log(
      `Admin account ${existing.id} brought in line with ADMIN_USERNAME/ADMIN_PASSWORD`,
    );
  }

  /** Refuses a password to be stored that breaks the policy, naming the request's `field`. */
  private checkPolicy(password: string, field = 'password'): void {
    const violation = this.hasher.policyViolation(password);
    if (violation) throw new BadRequestException(violation.replace(/^password/, field));
  }
}
