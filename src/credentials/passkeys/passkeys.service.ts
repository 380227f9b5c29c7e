import { createHmac, randomBytes } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  Injectable,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import { DataSource, In, Repository } from 'typeorm';
import { Clock } from '../../clock/clock.service.js';
import { AppConfig, type RelyingParty } from '../../config/app-config.js';
import { isUniqueViolation } from '../../common/errors/database-errors.js';
import { runStatement } from '../../database/atomic-statement.js';
import { deleteInBatches } from '../../database/delete-in-batches.js';
import { PASSKEY_USER_HANDLE_SECRET } from '../../database/migrations/1765500000000-passkeys.js';
import type { StatementCondition } from '../second-factor/second-factor.service.js';
import {
  BY_USER,
  type ChangeOrigin,
  type SecurityChange,
  SecurityEventFacts,
} from '../../security-events/security-event-facts.js';
import { Passkey } from './entities/passkey.entity.js';
import { type ChallengePurpose, WebauthnChallenge } from './entities/webauthn-challenge.entity.js';

/** How long a challenge may be answered: then it is gone, used or not. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_BYTES = 32;
/** A credential id is at most 1023 bytes (WebAuthn), 1364 characters in base64url. */
const CREDENTIAL_ID_MAX_LENGTH = 1366;
const NAME_MAX_LENGTH = 64;
const TRANSPORTS: ReadonlySet<string> = new Set([
  'ble',
  'cable',
  'hybrid',
  'internal',
  'nfc',
  'smart-card',
  'usb',
]);

/** Options for the browser's WebAuthn call, and the id of their challenge to send back. */
export interface IssuedOptions<T> {
  options: T;
  challengeId: string;
}

export type CreationOptions = IssuedOptions<PublicKeyCredentialCreationOptionsJSON>;
export type RequestOptions = IssuedOptions<PublicKeyCredentialRequestOptionsJSON>;

/**
 * Why an assertion did not sign anyone in: its challenge is not one this browser may answer (used,
 * expired, never issued, another browser's); it names no stored passkey; it does not verify (the
 * signature, the origin, the RP ID, user verification); its counter is not above the stored one
 * (a cloned authenticator).
 */
export type AuthenticationFailure = 'challenge' | 'unknown-credential' | 'signature' | 'counter';

/**
 * An assertion as judged: good, and its use stored; refused; or good but its use not stored,
 * because the lock's condition did not hold or another request stored that counter first.
 */
export type AuthenticationOutcome =
  | { verdict: 'ok'; passkey: Passkey }
  | { verdict: AuthenticationFailure }
  | { verdict: 'not-taken' };

/** What binds a sign-in challenge: the portal browser that asked for it (see browserBindingOf). */
export interface ChallengeBinding {
  browser?: string | null;
}

/**
 * The passkeys of users, over @simplewebauthn/server (it alone reads attestations and assertions):
 * their options, registration, the check of a sign-in's assertion, and the owner's list.
 *
 * Challenges are random, kept here under their own value (the `challengeId`), and each is taken
 * by one statement that deletes it while it is open, still the asker's and for its purpose: two
 * answers racing with one challenge cannot both use it. Sign-in options list no credential
 * (passkeys are discoverable), so they say nothing about which accounts exist. Each passkey
 * carries an opaque user handle, a keyed hash of the user's id, never the id or the name.
 */
@Injectable()
export class PasskeysService implements OnModuleInit {
  private userHandleSecret!: Buffer;
  private readonly rp: RelyingParty;

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @InjectRepository(WebauthnChallenge)
    private readonly challenges: Repository<WebauthnChallenge>,
    private readonly facts: SecurityEventFacts,
  ) {
    this.rp = config.webauthn;
  }

  async onModuleInit(): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT "value" FROM "server_secret" WHERE "name" = '${PASSKEY_USER_HANDLE_SECRET}'`,
    )) as { value: string }[];
    this.userHandleSecret = Buffer.from(row.value, 'base64');
  }

  /** Refuses (503, naming the setting) while no relying party ID can be used. */
  assertAvailable(): void {
    this.relyingPartyId();
  }

  /**
   * Creation options for a new passkey of `user`: a discoverable credential with user
   * verification, no attestation asked, none of the user's passkeys made again.
   */
  async registrationOptions(
    user: { id: number; username: string },
    now: Date,
  ): Promise<CreationOptions> {
    const rpID = this.relyingPartyId();
    const existing = await this.passkeys.find({ where: { userId: user.id }, order: { id: 'ASC' } });
    const challenge = await this.newChallenge('registration', now, { userId: user.id });
    const options = await generateRegistrationOptions({
      rpName: this.rp.name,
      rpID,
      userName: user.username,
      userDisplayName: user.username,
      userID: this.userHandleOf(user.id),
      challenge: isoBase64URL.toBuffer(challenge),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.credentialId,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    return { options, challengeId: challenge };
  }

  /**
   * Stores the passkey `response` created for `userId`'s registration challenge (`challengeId`,
   * or the challenge the response's client data names), once the library has verified it for
   * this relying party with user verification. 400 for a challenge that is not the user's open
   * one or a response that does not verify; 409 for a credential stored already. Receivers are
   * told in the transaction that stores it.
   */
  async register(
    userId: number,
    challengeId: string | null,
    response: unknown,
    name: string,
    now: Date,
  ): Promise<Passkey> {
    const rpID = this.relyingPartyId();
    const checkedName = passkeyName(name);
    const challenge = challengeId ?? challengeOf(response);
    if (!challenge || !(await this.take(challenge, 'registration', now, { userId }))) {
      throw new BadRequestException(
        'challengeId is not an open registration challenge of yours (each is used once, within 5 minutes)',
      );
    }
    let verified;
    try {
      verified = await verifyRegistrationResponse({
        response: response as RegistrationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: rpID,
        requireUserVerification: true,
      });
    } catch (error) {
      throw new BadRequestException(`response is not a passkey for this site: ${reasonOf(error)}`);
    }
    if (!verified.verified) {
      throw new BadRequestException('response is not a passkey for this site: it does not verify');
    }
    const { credential, aaguid } = verified.registrationInfo;
    if (credential.id.length > CREDENTIAL_ID_MAX_LENGTH) {
      throw new BadRequestException('response: the credential id is longer than WebAuthn allows');
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        const passkey = await manager.save(
          manager.create(Passkey, {
            userId,
            credentialId: credential.id,
            publicKey: isoBase64URL.fromBuffer(credential.publicKey),
            counter: credential.counter,
            transports: (credential.transports ?? []).filter((transport) =>
              TRANSPORTS.has(transport),
            ),
            aaguid,
            name: checkedName,
            createdAt: now,
            lastUsedAt: null,
          }),
        );
        await this.facts
          .change(manager, BY_USER)
          .credentialChanged(userId, 'fido2-platform', 'create', { friendlyName: passkey.name });
        return passkey;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('This passkey is stored already');
      throw error;
    }
  }

  /**
   * Sign-in options: a challenge with user verification required and no credential listed, bound
   * to the browser that asked when the portal's page did.
   */
  async authenticationOptions(binding: ChallengeBinding, now: Date): Promise<RequestOptions> {
    const rpID = this.relyingPartyId();
    const challenge = await this.newChallenge('authentication', now, {
      browser: binding.browser ?? null,
    });
    const options = await generateAuthenticationOptions({
      rpID,
      challenge: isoBase64URL.toBuffer(challenge),
      timeout: CHALLENGE_TTL_MS,
      userVerification: 'required',
    });
    return { options, challengeId: challenge };
  }

  /** The stored passkey an assertion names by its credential id, or null. */
  async credentialOf(response: unknown): Promise<Passkey | null> {
    const id = (response as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > CREDENTIAL_ID_MAX_LENGTH) {
      return null;
    }
    return this.passkeys.findOneBy({ credentialId: id });
  }

  /**
   * Judges a sign-in's assertion of `passkey` (what credentialOf found; null: none) against the
   * challenge `challengeId` (or the one the response's client data names), which is taken whatever
   * follows. A good assertion's counter and time of use are stored by one statement that also
   * asks `lock` and that the counter is still below the new one (or both are zero, for
   * authenticators that do not count), so that two uses racing with one counter value cannot both
   * pass and none is stored while the account is locked.
   */
  async verifyAuthentication(
    challengeId: string | null,
    response: unknown,
    passkey: Passkey | null,
    { browser = null, lock = null }: ChallengeBinding & { lock?: StatementCondition | null },
    now: Date,
  ): Promise<AuthenticationOutcome> {
    const rpID = this.relyingPartyId();
    const challenge = challengeId ?? challengeOf(response);
    if (!challenge || !(await this.take(challenge, 'authentication', now, { browser }))) {
      return { verdict: 'challenge' };
    }
    if (!passkey) return { verdict: 'unknown-credential' };
    let counter: number;
    try {
      const userHandle = (response as AuthenticationResponseJSON).response.userHandle;
      const handle = isoBase64URL.fromBuffer(this.userHandleOf(passkey.userId));
      if (userHandle !== undefined && userHandle !== handle) return { verdict: 'signature' };
      // The stored counter is judged below, after the signature: only a real assertion of this
      // credential can be a clone's.
      const verified = await verifyAuthenticationResponse({
        response: response as AuthenticationResponseJSON,
        expectedChallenge: challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: rpID,
        credential: {
          id: passkey.credentialId,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: 0,
        },
        requireUserVerification: true,
      });
      if (!verified.verified) return { verdict: 'signature' };
      counter = verified.authenticationInfo.newCounter;
    } catch {
      return { verdict: 'signature' };
    }
    if ((counter > 0 || passkey.counter > 0) && counter <= passkey.counter) {
      return { verdict: 'counter' };
    }
    const { affected } = await runStatement(
      this.dataSource,
      `UPDATE "passkey" SET "counter" = :counter, "lastUsedAt" = :now WHERE "id" = :id ` +
        `AND ("counter" < :counter OR ("counter" = 0 AND :counter = 0))` +
        (lock ? ` AND ${lock.sql}` : ''),
      { counter, now, id: passkey.id, ...lock?.parameters },
    );
    if (affected === 0) return { verdict: 'not-taken' };
    passkey.counter = counter;
    passkey.lastUsedAt = now;
    return { verdict: 'ok', passkey };
  }

  /** The user's passkeys, oldest first. */
  list(userId: number): Promise<Passkey[]> {
    return this.passkeys.find({ where: { userId }, order: { id: 'ASC' } });
  }

  /** The passkeys of each of `userIds` (oldest first), for a page of users. */
  async listAmong(userIds: number[]): Promise<Map<number, Passkey[]>> {
    const byUser = new Map<number, Passkey[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return byUser;
    const rows = await this.passkeys.find({
      where: { userId: In(userIds) },
      order: { id: 'ASC' },
    });
    for (const row of rows) byUser.get(row.userId)?.push(row);
    return byUser;
  }

  /** Gives the user's passkey `id` a new name; null when the user has no passkey of that id. */
  async rename(userId: number, id: number, name: string): Promise<Passkey | null> {
    const checkedName = passkeyName(name);
    const passkey = await this.passkeys.findOneBy({ id, userId });
    if (!passkey) return null;
    await this.passkeys.update({ id, userId }, { name: checkedName });
    passkey.name = checkedName;
    return passkey;
  }

  /**
   * Removes the user's passkey `id`, telling receivers: the one removed, or null when they had
   * none of that id.
   */
  remove(userId: number, id: number, by: ChangeOrigin): Promise<Passkey | null> {
    return this.dataSource.transaction(async (manager) => {
      const passkey = await manager.findOneBy(Passkey, { id, userId });
      if (!passkey) return null;
      const { affected } = await manager.delete(Passkey, { id, userId });
      if (!affected) return null;
      await this.facts.change(manager, by).credentialChanged(userId, 'fido2-platform', 'delete', {
        friendlyName: passkey.name,
      });
      return passkey;
    });
  }

  /**
   * Removes every passkey of the user, telling receivers of each, as a change of its own or as
   * part of `by`'s: those removed, oldest first.
   */
  removeAll(userId: number, by: ChangeOrigin | SecurityChange): Promise<Passkey[]> {
    return this.facts.within(this.dataSource.manager, by, async (change) => {
      const { manager } = change;
      const passkeys = await manager.find(Passkey, { where: { userId }, order: { id: 'ASC' } });
      if (passkeys.length === 0) return [];
      await manager.delete(Passkey, { userId, id: In(passkeys.map((passkey) => passkey.id)) });
      for (const passkey of passkeys) {
        await change.credentialChanged(userId, 'fido2-platform', 'delete', {
          friendlyName: passkey.name,
        });
      }
      return passkeys;
    });
  }

  /** Deletes the challenges no one can answer any more; returns how many. */
  purgeExpiredChallenges(): Promise<number> {
    return deleteInBatches(this.challenges, '"expiresAt" <= :now', { now: this.clock.now() });
  }

  private relyingPartyId(): string {
    if (this.rp.id) return this.rp.id;
    throw new ServiceUnavailableException(
      "Passkeys need WEBAUTHN_RP_ID: PUBLIC_URL's host is an IP address, which WebAuthn does not take as a relying party",
    );
  }

  /** A new challenge for `purpose`, kept for CHALLENGE_TTL_MS: its base64url value. */
  private async newChallenge(
    purpose: ChallengePurpose,
    now: Date,
    { userId = null, browser = null }: { userId?: number | null; browser?: string | null },
  ): Promise<string> {
    const challenge = randomBytes(CHALLENGE_BYTES).toString('base64url');
    await this.challenges.insert({
      challenge,
      purpose,
      userId,
      browser,
      expiresAt: new Date(now.getTime() + CHALLENGE_TTL_MS),
    });
    return challenge;
  }

  /**
   * Takes the challenge for its one use, by one statement: it is deleted only while it is open,
   * for `purpose`, and the asker's (the registering user; the browser a sign-in's was bound to,
   * or none). Whether it was.
   */
  private async take(
    challenge: string,
    purpose: ChallengePurpose,
    now: Date,
    { userId, browser }: { userId?: number; browser?: string | null },
  ): Promise<boolean> {
    if (challenge.length > 64) return false;
    const owner: StatementCondition =
      userId !== undefined
        ? { sql: `"userId" = :userId`, parameters: { userId } }
        : browser
          ? { sql: `"browser" = :browser`, parameters: { browser } }
          : { sql: `"browser" IS NULL`, parameters: {} };
    const { rows } = await runStatement(
      this.dataSource,
      `DELETE FROM "webauthn_challenge" WHERE "challenge" = :challenge AND "purpose" = :purpose ` +
        `AND "expiresAt" > :now AND ${owner.sql} RETURNING "challenge"`,
      { challenge, purpose, now, ...owner.parameters },
    );
    return rows.length > 0;
  }

  /** The opaque handle a user's passkeys carry: a keyed hash of the id, stable and unreadable. */
  private userHandleOf(userId: number): Uint8Array<ArrayBuffer> {
    return new Uint8Array(
      createHmac('sha256', this.userHandleSecret).update(String(userId)).digest(),
    );
  }
}

/** A passkey's name as stored: trimmed, 1 to 64 printable characters (400 else). */
export function passkeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > NAME_MAX_LENGTH || /\p{C}/u.test(trimmed)) {
    throw new BadRequestException(`name must be 1 to ${NAME_MAX_LENGTH} printable characters`);
  }
  return trimmed;
}

/** The challenge a response's client data names, or null when it names none readable. */
function challengeOf(response: unknown): string | null {
  try {
    const clientData = (response as { response: { clientDataJSON: string } }).response
      .clientDataJSON;
    const { challenge } = decodeClientDataJSON(clientData);
    return typeof challenge === 'string' ? challenge : null;
  } catch {
    return null;
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : 'it does not verify';
}
