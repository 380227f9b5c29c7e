import { createHmac, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock.service.js';
import { AppConfig } from '../config/app-config.js';
import { CredentialStateCache } from '../credentials/liveness/credential-state-cache.js';
import { LivenessService } from '../credentials/liveness/liveness.service.js';
import { LoginLockoutService } from './login-lockout.service.js';
import type { ForwardIdentity } from './forward-identity.js';
import type { BasicCredentials } from './request-credentials.js';

/** Passes kept at most: each a key and who it names, a few hundred bytes. */
const KEPT = 10_000;

interface Kept {
  identity: ForwardIdentity;
  /** Milliseconds since 1970 (the app's clock) from which it is no longer served. */
  until: number;
}

/**
 * Basic credentials that passed forward authentication, kept for FORWARD_AUTH_BASIC_CACHE_SECONDS
 * so that a browser loading a page and its assets costs one bcrypt and one counted attempt, not
 * one per request. Kept under the credential epoch, so that a password change, a disable or an
 * end-all, which move it, end every kept pass at once, whichever instance made the change.
 *
 * The key is an HMAC under a key this process draws at start and never stores: neither the
 * password nor a plain hash of it (which a list of common passwords would reverse) is held. It
 * names the client address too, so that a pass serves only the client that proved the password:
 * anyone else, whatever they guess, goes through the full check and its limits. Only passes are
 * kept; a wrong password is checked every time. A kept pass of a locked account is not served:
 * the full check answers, and refuses it as it refuses the right password during a lock.
 * Requests with the same credentials from the same client that arrive while their first is being
 * checked wait for that one check, so that assets loaded at once with the page cost no more.
 */
@Injectable()
export class KeptBasicPasses {
  private readonly key = randomBytes(32);
  private readonly kept = new CredentialStateCache<Kept>(KEPT);
  /** The checks under way, by key: at most one a key at a time. */
  private readonly checking = new Map<string, Promise<ForwardIdentity | null>>();
  private readonly keepMs: number;

  constructor(
    config: AppConfig,
    private readonly liveness: LivenessService,
    private readonly lockout: LoginLockoutService,
    private readonly clock: Clock,
  ) {
    this.keepMs = config.forwardAuthBasicCacheSeconds * 1000;
  }

  /**
   * Who `credentials` from `address` name: a pass kept for them while it stands, else `check`'s
   * answer (the full password check), kept when it passed.
   */
  async identify(
    credentials: BasicCredentials,
    address: string | null,
    check: () => Promise<ForwardIdentity | null>,
  ): Promise<ForwardIdentity | null> {
    if (this.keepMs === 0) return check();
    const key = this.keyOf(credentials, address);
    // Read before the check, so that what is kept is never older than the epoch it is kept under.
    const epoch = await this.liveness.snapshot().value();
    const now = this.clock.now();
    const kept = this.kept.keptAt(key, epoch);
    if (kept && kept.until > now.getTime()) {
      const locked = await this.lockout.lockedForSeconds({ userId: kept.identity.userId }, now);
      if (locked === 0) return kept.identity;
    }
    if (kept) this.kept.forget(key);
    const underway = this.checking.get(key);
    if (underway) return underway;
    const checking = this.checkAndKeep(key, epoch, now, check).finally(() =>
      this.checking.delete(key),
    );
    this.checking.set(key, checking);
    return checking;
  }

  private async checkAndKeep(
    key: string,
    epoch: string,
    now: Date,
    check: () => Promise<ForwardIdentity | null>,
  ): Promise<ForwardIdentity | null> {
    const identity = await check();
    if (identity) this.kept.keep(key, epoch, { identity, until: now.getTime() + this.keepMs });
    return identity;
  }

  private keyOf({ username, password }: BasicCredentials, address: string | null): string {
    return createHmac('sha256', this.key)
      .update(JSON.stringify([address, username, password]))
      .digest('base64url');
  }
}
