import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { LoginAttempt } from '../audit/login-attempt.js';
import { AppConfig } from '../config/app-config.js';
import { TooManyAttemptsException } from '../common/errors/too-many-attempts.exception.js';
import { isUniqueViolation } from '../database/database-errors.js';
import { PasswordHasher } from '../passwords/password-hasher.service.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import { type Privilege, User } from './entities/user.entity.js';
import { LoginLockoutService, type LoginSubject } from './login-lockout.service.js';
import { normalizeRsaPublicKey } from './public-key.js';

export class UsernameTakenError extends BadRequestException {
  constructor() {
    super('username is already taken');
  }
}

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

/** The one user store and the one password check every API's login goes through. */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditService,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.admin)
      await this.ensureAdmin(this.config.admin.username, this.config.admin.password);
  }

  /** Registers a user; a taken name (in any case) is a 400, decided by the database's unique index. */
  async register(dto: CreateUserDto, privilege: Privilege = 'user'): Promise<User> {
    const violation = this.hasher.policyViolation(dto.password);
    if (violation) throw new BadRequestException(violation);

    const publicKey = dto.publicKey === undefined ? null : normalizeRsaPublicKey(dto.publicKey);
    if (dto.publicKey !== undefined && !publicKey) {
      throw new BadRequestException(
        'publicKey must be an RSA public key of at least 2048 bits in SPKI PEM form',
      );
    }
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
          credentialsChangedAt: new Date(),
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new UsernameTakenError();
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
   * The enabled user with these credentials, or null. Unknown users cost the same bcrypt compare
   * as known ones; a locked account is refused (429) even with the right password; a hash made at
   * a lower cost than configured is upgraded on success. Every outcome is a `login` audit event
   * of `attempt`'s API and client.
   */
  async authenticate(
    username: string,
    password: string,
    attempt: LoginAttempt,
  ): Promise<User | null> {
    const key = usernameKey(username);
    const user = await this.findByKey(key);
    const matches = await this.hasher.verify(password, user?.passwordHash ?? null);
    const audit = (outcome: 'success' | 'failure', detail?: Record<string, string | boolean>) =>
      this.audit.record({
        type: 'login',
        outcome,
        api: attempt.api,
        userId: user?.id ?? null,
        username,
        address: attempt.address,
        agent: attempt.agent,
        detail: { method: 'password', ...detail },
      });
    if (key.includes('\0')) {
      await audit('failure', { reason: 'unknown-user' });
      return null;
    }
    const subject: LoginSubject = user ? { user } : { usernameKey: key };
    const lockedFor = await this.lockout.lockedForSeconds(subject);
    if (lockedFor > 0) {
      await audit('failure', { locked: true });
      throw new TooManyAttemptsException(lockedFor);
    }
    if (!user || !matches) {
      await this.lockout.recordFailure(subject);
      await audit('failure', { reason: user ? 'wrong-password' : 'unknown-user' });
      return null;
    }
    await this.lockout.recordSuccess(user);
    if (!user.enabled) {
      await audit('failure', { reason: 'disabled' });
      return null;
    }
    if (this.hasher.needsRehash(user.passwordHash)) {
      user.passwordHash = await this.hasher.hash(password);
      await this.users.update({ id: user.id }, { passwordHash: user.passwordHash });
    }
    await audit('success');
    return user;
  }

  /** The user under this username key; none has a NUL in it, and PostgreSQL could not even compare one. */
  private async findByKey(key: string): Promise<User | null> {
    return key.includes('\0') ? null : this.users.findOneBy({ usernameKey: key });
  }

  /** Replaces the key that verifies the user's `loginwithrsa` signatures. */
  async setPublicKey(user: User, pem: string): Promise<void> {
    await this.users.update({ id: user.id }, { publicKey: checkedPublicKey(pem) });
  }

  /** Sets a user's own JWT scope; null returns them to their privilege's default. */
  async setScope(username: string, scope: string | null): Promise<void> {
    const { affected } = await this.users.update(
      { usernameKey: usernameKey(username) },
      { scope: checkedScope(scope) },
    );
    if (!affected) throw new NotFoundException(`No user named ${username}`);
  }

  async recordLogin(user: User): Promise<Date> {
    const lastLoginTime = new Date();
    await this.users.update({ id: user.id }, { lastLoginTime });
    return lastLoginTime;
  }

  /** Makes sure the configured admin exists, is an enabled admin and has the configured password. */
  private async ensureAdmin(username: string, password: string): Promise<void> {
    const existing = await this.findByUsername(username);
    if (!existing) {
      // A UsernameTakenError means another instance starting at the same moment created it first.
      await this.register({ username, password }).catch((error: unknown) => {
        if (!(error instanceof UsernameTakenError)) throw error;
      });
      return this.ensureAdmin(username, password);
    }
    const changes: Partial<User> = {};
    if (existing.privilege !== 'admin') changes.privilege = 'admin';
    if (!existing.enabled) changes.enabled = true;
    if (!(await this.hasher.verify(password, existing.passwordHash))) {
      changes.passwordHash = await this.hasher.hash(password);
      changes.credentialsChangedAt = new Date();
    }
    if (Object.keys(changes).length === 0) return;
    await this.users.update({ id: existing.id }, changes);
    this.logger.log(
      `Admin account ${existing.id} brought in line with ADMIN_USERNAME/ADMIN_PASSWORD`,
    );
  }
}
