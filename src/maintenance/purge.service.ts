import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AuditService } from '../audit/audit.service.js';
import { UserTokensService } from '../credentials/user-tokens/user-tokens.service.js';
import { AppConfig } from '../config/app-config.js';
import { RsaLoginService } from '../sessions/rsa-login.service.js';
import { SessionsService } from '../credentials/sessions/sessions.service.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import { LoginLockoutService } from '../identity/login-lockout.service.js';
import { PasskeysService } from '../credentials/passkeys/passkeys.service.js';
import { SecurityEventRetention } from '../security-events/security-event-retention.service.js';

const PURGE_INTERVAL_NAME = 'purge';

/** Rows deleted by one purge, by kind. */
export type PurgeCounts = Record<string, number>;

/**
 * Deletes what can no longer be used: expired credentials, spent salts and passkey challenges,
 * quiet lockout state, audit events past retention and security events no receiver is owed. Each domain says what is expired in its own service; this runs
 * them all, every PURGE_INTERVAL_SECONDS and from the `purge` command. Every delete is idempotent,
 * so instances sharing a database may purge at the same time.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PurgeService.name);
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly userTokens: UserTokensService,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokensService,
    private readonly rsaLogins: RsaLoginService,
    private readonly lockout: LoginLockoutService,
    private readonly passkeys: PasskeysService,
    private readonly audit: AuditService,
    private readonly securityEvents: SecurityEventRetention,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.purgeIntervalSeconds;
    if (seconds === 0) return;
    this.scheduler.addInterval(
      PURGE_INTERVAL_NAME,
      setInterval(() => this.runScheduled(), seconds * 1000),
    );
  }

  /** Lets a purge in progress finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', PURGE_INTERVAL_NAME)) {
      this.scheduler.deleteInterval(PURGE_INTERVAL_NAME);
    }
    await this.running;
  }

  /** Purges every kind once, one after the other so as to load the database lightly. */
  async purgeAll(): Promise<PurgeCounts> {
    return {
      userTokens: await this.userTokens.purgeExpired(),
      sessions: await this.sessions.purgeExpired(),
      revokedTokens: await this.accessTokens.purgeExpiredRevocations(),
      usedRsaSalts: await this.rsaLogins.purgeExpiredSalts(),
      webauthnChallenges: await this.passkeys.purgeExpiredChallenges(),
      loginFailures: await this.lockout.purgeQuietNames(),
      auditEvents: await this.audit.purgeOlderThanRetention(),
      securityEvents: await this.securityEvents.purgeSpent(),
    };
  }

  /** A run that is still going when the next one is due is left to finish; that one is skipped. */
  private runScheduled(): void {
    if (this.running) return;
    this.running = this.purgeAll()
      .then(
        (counts) => this.logger.log(`Purged ${describeCounts(counts)}`),
        (error: unknown) => this.logger.error(`Purge failed: ${(error as Error).message}`),
      )
      .finally(() => (this.running = null));
  }
}

/** `kind=count` pairs on one line, e.g. `userTokens=3 sessions=0`. */
export function describeCounts(counts: PurgeCounts): string {
  return Object.entries(counts)
    .map(([kind, count]) => `${kind}=${count}`)
    .join(' ');
}
