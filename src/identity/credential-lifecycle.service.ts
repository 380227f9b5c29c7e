import {
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types.js';
import { AuditService } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.service.js';
import type { Passkey } from '../credentials/passkeys/entities/passkey.entity.js';
import { type CreationOptions, PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import {
  SecondFactorService,
  type TotpEnrolment,
} from '../credentials/second-factor/second-factor.service.js';
import type { Session } from '../user-store/entities/session.entity.js';
import type { User } from '../user-store/entities/user.entity.js';
import { checkedPublicKey, UsersService } from '../user-store/users.service.js';
import type { FastifyRequest } from 'fastify';
import { type LoginAttempt, loginAttemptOf } from './login-attempt.js';
import {
  type OwnerProof,
  PasswordCheckService,
  type ProofEvent,
} from './password-check.service.js';
import type { RequestActor } from './request-actor.decorator.js';
import { type AdminActor, adminChangeFields } from './admin-actor.js';
import { basicCredentials, basicSecondFactor } from './request-credentials.js';
import type { EndedCredentials } from '../user-store/user-credentials.service.js';
import { looksLikeJwt } from '../credentials/access-tokens/jwt-shape.js';
import { BY_ADMIN, BY_USER, SecurityEventFacts } from '../security-events/security-event-facts.js';

const SELF_SERVICE = 'self-service';

/**
 * How recent a passkey sign-in of a browser's session must be to stand for the owner's proof
 * when that browser adds another passkey on the portal.
 */
const PASSKEY_SIGN_IN_PROOF_MS = 5 * 60_000;

/**
 * Whether `session` signed in with a passkey recently enough, at `nowMs`, that its browser adds
 * another passkey without the password: the one rule the portal's page (which then asks for no
 * password) and the lifecycle (which judges the request) both read.
 */
export function passkeySignInIsRecent(
  session: Pick<Session, 'passkeyVerifiedAt'>,
  nowMs: number,
): boolean {
  const at = session.passkeyVerifiedAt;
  return at !== null && nowMs - at.getTime() <= PASSKEY_SIGN_IN_PROOF_MS;
}

/**
 * An owner changing a credential of theirs: the signed-in caller, or the name Basic credentials
 * gave (the REST-auth route, where the password is the authentication); from where.
 */
export interface Owner {
  account: User | string;
  attempt: LoginAttempt;
  /** Where the request takes a code, named when one is due (`code`, the body's field, unless given). */
  codeField?: string;
}

/** What an admin's "end all credentials" ended. */
export interface EndedAll extends EndedCredentials {
  rsaKeyRemoved: boolean;
  passkeysRemoved: number;
}

/**
 * The second factors a reset removed, by kind: every kind a login may ask for goes, so that the
 * user's next password login needs no code.
 */
export interface RemovedSecondFactors {
  /** Whether a TOTP factor was on (a pending one and the recovery codes go too). */
  totp: boolean;
  /** How many passkeys went (on the portal a passkey may stand for the second step). */
  passkeys: number;
}

type AuditDetail = Record<string, string | number | boolean>;

/** Who changed a credential, as the audit records them: the door, and who and from where. */
interface ChangedBy {
  api: string;
  actorId?: number | null;
  address?: string | null;
  agent?: string | null;
}

/** The owner of a self-service call: the signed-in caller, calling from where the request came. */
export function ownerOf(actor: RequestActor): Owner {
  return {
    account: actor.caller.user,
    attempt: { api: SELF_SERVICE, address: actor.address, agent: actor.agent },
  };
}

/**
 * The owner a request's Basic credentials name, with the password as the proof and the code from
 * X-OTP: where the password is the authentication. A request without a Basic password, or with a
 * token in the username field, proves nothing (401).
 */
export function basicOwnerOf(
  request: FastifyRequest,
  api: string,
): { owner: Owner; proof: OwnerProof } {
  const credentials = basicCredentials(request);
  if (!credentials || looksLikeJwt(credentials.username)) throw new UnauthorizedException();
  const { code, field } = basicSecondFactor(request);
  return {
    owner: {
      account: credentials.username,
      attempt: loginAttemptOf(api, request),
      codeField: field,
    },
    proof: { password: credentials.password, code },
  };
}

/**
 * The one place an owner or an admin adds, replaces or removes a credential of an existing user,
 * whatever door the request came through (the credentials a user starts with come from
 * registration, the CLI or an import), each as the credential lifecycle says:
 * - an owner proves the current password again, and a code when a second factor is on, through
 *   the one password check (per-address limit, lock, audit); a token or a session alone never
 *   adds or replaces a credential, so that whoever steals one cannot make it permanent;
 * - a second-factor code alone (confirming or turning off a factor) counts towards the lock as a
 *   wrong login code does, and is taken only while the lock lets it through;
 * - an admin resets a password or a second factor and removes a login key or passkeys, but never
 *   adds a login key or a passkey (only their owner does); "end all credentials" ends every
 *   session, user token and access JWT and removes the login key and every passkey;
 * - every addition, replacement and removal is an audit event naming the kind of credential and
 *   who changed it, never its value.
 */
@Injectable()
export class CredentialLifecycleService {
  constructor(
    private readonly passwords: PasswordCheckService,
    private readonly users: UsersService,
    private readonly secondFactor: SecondFactorService,
    private readonly passkeys: PasskeysService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly facts: SecurityEventFacts,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  // ---- the RSA login key (loginwithrsa) ---------------------------------------------------

  /**
   * Adds or replaces the owner's RSA login key once they prove the password (and a code). With
   * `userId`, the user a route names: anyone else is refused (403), an admin included.
   */
  async setLoginKey(owner: Owner, pem: string, proof: OwnerProof, userId?: number): Promise<User> {
    const publicKey = checkedPublicKey(pem);
    const user = await this.proveOwner(owner, proof, loginKeyEvent('set'));
    if (userId !== undefined && user.id !== userId) {
      throw new ForbiddenException(
        'Only the user may set their own key (an admin removes one with DELETE /api/admin/users/{id}/public-key)',
      );
    }
    await this.users.setPublicKey(user, publicKey, BY_USER);
    await this.recordChange(
      ownerChange(owner.attempt),
      user,
      'credential.change',
      loginKeyDetail(user.publicKey === null ? 'add' : 'replace'),
    );
    return user;
  }

  /** Removes the owner's RSA login key once they prove the password (and a code); 409 without one. */
  async removeLoginKey(actor: RequestActor, proof: OwnerProof): Promise<void> {
    const current = await this.existingUser(actor.caller.user.id);
    if (current.publicKey === null) throw new ConflictException('No RSA public key is set');
    const owner = ownerOf(actor);
    const user = await this.proveOwner(owner, proof, loginKeyEvent('remove'));
    await this.users.setPublicKey(user, null, BY_USER);
    await this.recordChange(
      ownerChange(owner.attempt),
      user,
      'credential.change',
      loginKeyDetail('remove'),
    );
  }

  /** An admin removes a user's RSA login key (also when none is set: the answer is the same). */
  async removeLoginKeyAsAdmin(actor: AdminActor, userId: number): Promise<void> {
    const user = await this.existingUser(userId);
    const wasSet = user.publicKey !== null;
    if (wasSet) await this.users.setPublicKey(user, null, BY_ADMIN);
    await this.recordChange(adminChangeFields(actor), user, 'credential.change', {
      ...loginKeyDetail('remove'),
      wasSet,
    });
  }

  /**
   * An admin's "end all credentials", for incident response: every passkey goes, then every
   * session, user token and access JWT of the user ends and the RSA login key goes, in one
   * transaction, one change receivers are told of; the password and the second factor stay (an
   * admin resets those explicitly). The passkeys go first, so that no sign-in with one can open a
   * session the rest then misses.
   */
  async endAll(actor: AdminActor, userId: number): Promise<EndedAll> {
    const user = await this.existingUser(userId);
    const { passkeys, ended } = await this.dataSource.transaction(async (manager) => {
      const change = this.facts.change(manager, BY_ADMIN);
      const removed = await this.passkeys.removeAll(user.id, change);
      return { passkeys: removed, ended: await this.users.endAllCredentials(user, change) };
    });
    const rsaKeyRemoved = user.publicKey !== null;
    await this.recordChange(adminChangeFields(actor), user, 'token.revoke', {
      action: 'all-credentials',
      sessionsEnded: ended.sessions,
      userTokensRevoked: ended.userTokens,
    });
    if (rsaKeyRemoved) {
      await this.recordChange(adminChangeFields(actor), user, 'credential.change', {
        ...loginKeyDetail('remove'),
        reason: 'all-credentials',
      });
    }
    await this.recordPasskeyRemovals(adminChangeFields(actor), user, passkeys, 'all-credentials');
    return { ...ended, rsaKeyRemoved, passkeysRemoved: passkeys.length };
  }

  // ---- the password ------------------------------------------------------------------------

  /**
   * Changes the owner's password once the new one passes the policy and the old one (and a code,
   * when a second factor is on) the one password check. Every other session and user token
   * ends; the one this call came with is kept, since its holder has just proved the password
   * again. Every access JWT issued before stops, the caller's included.
   */
  async changePassword(
    actor: RequestActor,
    oldPassword: string,
    newPassword: string,
    code: string | null,
  ): Promise<void> {
    const owner = ownerOf(actor);
    const { user, credential } = actor.caller;
    const ended = await this.users.setPassword(user, newPassword, {
      field: 'newPassword',
      keep: credential,
      by: BY_USER,
      confirm: async () => {
        await this.proveOwner(
          owner,
          { password: oldPassword, code },
          { type: 'password.change' },
          'oldPassword',
        );
      },
    });
    await this.recordChange(ownerChange(owner.attempt), user, 'password.change', {
      keptCredential: credential.kind === 'jwt' ? 'none' : credential.kind,
      sessionsEnded: ended.sessions,
      userTokensRevoked: ended.userTokens,
    });
  }

  /**
   * An admin sets a new password: every user token, session and access JWT of the user ends,
   * and a lock from failed logins is lifted.
   */
  async resetPassword(
    actor: AdminActor,
    userId: number,
    password: string,
  ): Promise<EndedCredentials> {
    const user = await this.existingUser(userId);
    const ended = await this.users.setPassword(user, password, { unlock: true, by: BY_ADMIN });
    await this.recordChange(adminChangeFields(actor), user, 'password.change', {
      action: 'reset',
      sessionsEnded: ended.sessions,
      userTokensRevoked: ended.userTokens,
    });
    return ended;
  }

  // ---- the TOTP second factor -----------------------------------------------------------

  /**
   * Starts enrolling a TOTP second factor once the owner proves the current password (a stolen
   * token or session alone cannot add the thief's factor); a right password resets no failure
   * count, whatever the answer (409 when a factor is on already). Logins stay as they were until
   * a first code confirms it.
   */
  async startSecondFactor(actor: RequestActor, password: string): Promise<TotpEnrolment> {
    this.secondFactor.assertAvailable();
    const owner = ownerOf(actor);
    const user = await this.proveOwner(owner, { password }, { type: 'second-factor.enrol' });
    const enrolment = await this.secondFactor.startEnrolment(user.id, user.username);
    await this.recordChange(ownerChange(owner.attempt), user, 'second-factor.enrol');
    return enrolment;
  }

  /**
   * Turns the pending factor on with its first code; a wrong code counts towards the lock. The
   * ten recovery codes, shown this once.
   */
  async confirmSecondFactor(actor: RequestActor, code: string): Promise<string[]> {
    const { user } = actor.caller;
    const owner = ownerOf(actor);
    const recoveryCodes = await this.passwords.proveCode(
      user,
      owner.attempt,
      { type: 'second-factor.enable' },
      (lock, now) => this.secondFactor.proveConfirmation(user.id, code, lock, now),
    );
    if (!recoveryCodes) {
      throw new ForbiddenException('code is not a current code of the secret being enrolled');
    }
    await this.recordChange(ownerChange(owner.attempt), user, 'second-factor.enable');
    return recoveryCodes;
  }

  /**
   * Turns the factor off with one of its codes. A wrong code counts towards the lock as at a
   * login, and a good one turns the factor off only while the account is not locked: a stolen
   * session must not get to guess codes without end.
   */
  async turnOffSecondFactor(actor: RequestActor, code: string): Promise<void> {
    const { user } = actor.caller;
    const owner = ownerOf(actor);
    const removed = await this.passwords.proveCode(
      user,
      owner.attempt,
      { type: 'second-factor.disable' },
      (lock, now) => this.secondFactor.proveRemoval(user.id, code, lock, now),
    );
    if (!removed) {
      throw new ForbiddenException('code is not a current TOTP or an unused recovery code');
    }
    await this.recordChange(ownerChange(owner.attempt), user, 'second-factor.disable');
  }

  /**
   * An admin removes a user's second factors, on or pending, with the recovery codes, and their
   * passkeys, in one transaction, one change receivers are told of: for a user who lost their
   * authenticator and recovery codes. Their next password login needs no code.
   */
  async resetSecondFactor(actor: AdminActor, userId: number): Promise<RemovedSecondFactors> {
    const user = await this.existingUser(userId);
    const { totp, passkeys } = await this.dataSource.transaction(async (manager) => {
      const change = this.facts.change(manager, BY_ADMIN);
      const wasOn = await this.secondFactor.remove(userId, change);
      return { totp: wasOn, passkeys: await this.passkeys.removeAll(userId, change) };
    });
    await this.recordChange(adminChangeFields(actor), user, 'second-factor.disable', {
      action: 'reset',
      wasOn: totp,
    });
    await this.recordPasskeyRemovals(
      adminChangeFields(actor),
      user,
      passkeys,
      'second-factor-reset',
    );
    return { totp, passkeys: passkeys.length };
  }

  // ---- passkeys -----------------------------------------------------------------------------

  /**
   * Creation options for a new passkey of the owner, once they prove the current password (and a
   * code while a second factor is on) as a login is judged; a right password resets nothing. The
   * challenge is the owner's alone: only they can complete the addition, within 5 minutes.
   */
  async passkeyOptions(actor: RequestActor, proof: OwnerProof): Promise<CreationOptions> {
    this.passkeys.assertAvailable();
    const user = await this.proveOwner(ownerOf(actor), proof, passkeyEvent('add'));
    return this.passkeys.registrationOptions(user, this.clock.now());
  }

  /**
   * Creation options for a new passkey on the portal, where a passkey sign-in of the browser's
   * own `session` within the last 5 minutes stands for the password (SessionsService.start
   * records it); 403 for any other session.
   */
  async passkeyOptionsAfterPasskeySignIn(
    actor: RequestActor,
    session: Session,
  ): Promise<CreationOptions> {
    this.passkeys.assertAvailable();
    const { user, credential } = actor.caller;
    const now = this.clock.now();
    const recent =
      credential.kind === 'session' &&
      credential.id === session.id &&
      session.userId === user.id &&
      passkeySignInIsRecent(session, now.getTime());
    if (!recent) {
      throw new ForbiddenException(
        'This session did not sign in with a passkey within the last 5 minutes: give the current password',
      );
    }
    return this.passkeys.registrationOptions(user, now);
  }

  /**
   * Stores the owner's new passkey: `response` to the registration challenge `challengeId`
   * (null: the one the response names) that passkeyOptions gave this owner. Audited.
   */
  async addPasskey(
    actor: RequestActor,
    challengeId: string | null,
    response: unknown,
    name: string,
  ): Promise<Passkey> {
    const { user } = actor.caller;
    const passkey = await this.passkeys.register(
      user.id,
      challengeId,
      response,
      name,
      this.clock.now(),
    );
    await this.recordChange(
      ownerChange(ownerOf(actor).attempt),
      user,
      'credential.change',
      passkeyDetail('add', passkey),
    );
    return passkey;
  }

  /** Renames one of the owner's passkeys (no proof: a name lets no one in); 404 for none. */
  async renamePasskey(actor: RequestActor, id: number, name: string): Promise<Passkey> {
    const { user } = actor.caller;
    const renamed = await this.passkeys.rename(user.id, id, name);
    if (!renamed) throw new NotFoundException('You have no passkey with this id');
    await this.recordChange(
      ownerChange(ownerOf(actor).attempt),
      user,
      'credential.change',
      passkeyDetail('rename', renamed),
    );
    return renamed;
  }

  /**
   * Removes one of the owner's passkeys. No proof: removing a credential gives no one a way in,
   * and an owner who fears a passkey is lost must be able to drop it at once. 404 for none.
   */
  async removePasskey(actor: RequestActor, id: number): Promise<void> {
    const { user } = actor.caller;
    const removed = await this.passkeys.remove(user.id, id, BY_USER);
    if (!removed) throw new NotFoundException('You have no passkey with this id');
    await this.recordChange(
      ownerChange(ownerOf(actor).attempt),
      user,
      'credential.change',
      passkeyDetail('remove', removed),
    );
  }

  /** An admin removes every passkey of a user (never adds one); how many went. */
  async removePasskeysAsAdmin(actor: AdminActor, userId: number): Promise<number> {
    const user = await this.existingUser(userId);
    const removed = await this.passkeys.removeAll(user.id, BY_ADMIN);
    await this.recordPasskeyRemovals(adminChangeFields(actor), user, removed);
    return removed.length;
  }

  // ---- proofs, users and the audit --------------------------------------------------------

  /**
   * The owner's proof through the one password check. Wrong credentials are a 401 where the
   * password is the request's authentication (Basic), and a 403 for a caller who is signed in.
   */
  private async proveOwner(
    owner: Owner,
    proof: OwnerProof,
    event: ProofEvent,
    passwordField = 'password',
  ): Promise<User> {
    const user = await this.passwords.reprove(
      owner.account,
      proof,
      owner.attempt,
      event,
      owner.codeField,
    );
    if (user) return user;
    if (typeof owner.account === 'string') throw new UnauthorizedException();
    throw new ForbiddenException(
      proof.code
        ? `${passwordField} or code is wrong`
        : `${passwordField} is not the current password`,
    );
  }

  /** One `credential.change` event for each passkey removed, by `by`, for `reason` if any. */
  private async recordPasskeyRemovals(
    by: ChangedBy,
    user: User,
    removed: Passkey[],
    reason?: string,
  ): Promise<void> {
    for (const passkey of removed) {
      await this.recordChange(by, user, 'credential.change', {
        ...passkeyDetail('remove', passkey),
        ...(reason && { reason }),
      });
    }
  }

  private async existingUser(id: number): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('No user has this id');
    return user;
  }

  /** A credential change of `user`, by them (ownerChange) or by an admin (adminChangeFields). */
  private recordChange(
    by: ChangedBy,
    user: User,
    type: AuditEventType,
    detail?: AuditDetail,
  ): Promise<void> {
    return this.audit.record({
      type,
      outcome: 'success',
      userId: user.id,
      username: user.username,
      ...by,
      detail,
    });
  }
}

/** A change the owner made, through the door and from the client of their attempt. */
function ownerChange(attempt: LoginAttempt): ChangedBy {
  return { api: attempt.api, address: attempt.address, agent: attempt.agent };
}

/** How an RSA login key's change is recorded: the kind of credential and what happened to it. */
function loginKeyDetail(action: 'add' | 'replace' | 'remove' | 'set') {
  return { credential: 'rsa-key', action };
}

/** How a passkey's change is recorded: the kind of credential, what happened, which one. */
function passkeyDetail(action: 'add' | 'rename' | 'remove', passkey: Passkey): AuditDetail {
  return { credential: 'passkey', action, passkeyId: passkey.id, name: passkey.name };
}

/** The event a failed proof for a passkey's addition is recorded as. */
function passkeyEvent(action: 'add'): ProofEvent {
  return { type: 'credential.change', detail: { credential: 'passkey', action } };
}

/** The event a failed proof for an RSA login key's change is recorded as. */
function loginKeyEvent(action: 'set' | 'remove'): ProofEvent {
  return { type: 'credential.change', detail: loginKeyDetail(action) };
}
