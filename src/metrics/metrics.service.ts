import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';

const LOGINS = 'gatehouse_logins_total';
const TOKEN_CHECKS = 'gatehouse_token_checks_total';
const SESSION_VALIDATIONS = 'gatehouse_session_validations_total';
const LOCKOUTS = 'gatehouse_lockouts_total';
const TOKEN_REVOCATIONS = 'gatehouse_token_revocations_total';
const SECOND_FACTOR_FAILURES = 'gatehouse_second_factor_failures_total';
const REQUEST_DURATION = 'gatehouse_http_request_duration_seconds';
const SSF_WRITTEN = 'gatehouse_ssf_events_written_total';
const SSF_DELIVERED = 'gatehouse_ssf_events_delivered_total';
const SSF_RETRIED = 'gatehouse_ssf_events_retried_total';
const SSF_DROPPED = 'gatehouse_ssf_events_dropped_total';
const SSF_OLDEST_UNDELIVERED = 'gatehouse_ssf_oldest_undelivered_seconds';

/** Seconds the oldest event each stream is owed has waited (0: none), by stream id. */
export type UndeliveredAges = () => Promise<ReadonlyMap<string, number>>;

/**
 * What the oldest-undelivered gauge reads when it is scraped: the queue is in the database, which
 * every instance shares, so the gauge is measured then rather than kept up to date. prom-client's
 * registry is one per process, and so is this.
 */
let undeliveredAges: UndeliveredAges | null = null;

/** Every metric Gatehouse defines; prom-client's defaults (process, heap, event loop) come on top. */
export const metricProviders = [
  makeCounterProvider({
    name: LOGINS,
    help: 'Login attempts, by API and outcome',
    labelNames: ['api', 'outcome'],
  }),
  makeCounterProvider({
    name: TOKEN_CHECKS,
    help: 'Token checks (Security API, introspection), by token kind, outcome and calling service',
    labelNames: ['kind', 'outcome', 'service'],
  }),
  makeCounterProvider({
    name: SESSION_VALIDATIONS,
    help: 'Session checks (sid and secret), by outcome',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: LOCKOUTS,
    help: 'Login attempts refused because the name is locked after repeated failures, by API',
    labelNames: ['api'],
  }),
  makeCounterProvider({
    name: TOKEN_REVOCATIONS,
    help: 'Credentials revoked through RFC 7009, by kind and by the service client (self: the token itself)',
    labelNames: ['kind', 'service'],
  }),
  makeCounterProvider({
    name: SECOND_FACTOR_FAILURES,
    help: 'Password logins refused for their second factor (right password), by API and reason (missing, wrong)',
    labelNames: ['api', 'reason'],
  }),
  makeCounterProvider({
    name: SSF_WRITTEN,
    help: 'Security events committed for a shared-signals stream to deliver (one per stream owed it)',
  }),
  makeCounterProvider({
    name: SSF_DELIVERED,
    help: 'Security events a shared-signals receiver acknowledged, by delivery method (push, poll)',
    labelNames: ['method'],
  }),
  makeCounterProvider({
    name: SSF_RETRIED,
    help: 'Pushes of security events that failed (5xx, timeout, refused connection) and wait to be tried again',
  }),
  makeCounterProvider({
    name: SSF_DROPPED,
    help: 'Security events given up on, by reason (the err a push receiver answered, or stream_ended: its stream disabled or deleted)',
    labelNames: ['reason'],
  }),
  makeGaugeProvider({
    name: SSF_OLDEST_UNDELIVERED,
    help: 'Seconds the oldest security event each stream is owed has waited (0: none), by stream id',
    labelNames: ['stream'],
    async collect(this: Gauge<'stream'>) {
      this.reset();
      if (!undeliveredAges) return;
      for (const [stream, seconds] of await undeliveredAges()) this.set({ stream }, seconds);
    },
  }),
  makeHistogramProvider({
    name: REQUEST_DURATION,
    help: 'HTTP request duration in seconds, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  }),
];

export type TokenKind = 'access-jwt' | 'user-token' | 'session' | 'other';

/** What a service named in a token check may be counted as: anything else is 'other'. */
const SERVICE_LABEL = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * `service` is whatever the caller sends, and every label value is a series kept in memory for
 * good: the first names seen get their own series, any later one is counted as 'other'.
 */
export const MAX_SERVICE_LABELS = 100;

/**
 * The one way code counts something. Each method only increments or observes in memory, so that
 * it may be called on the hot paths (token check, session validation, every request).
 */
@Injectable()
export class MetricsService {
  private readonly serviceLabels = new Set<string>();

  constructor(
    @InjectMetric(LOGINS) private readonly logins: Counter<'api' | 'outcome'>,
    @InjectMetric(TOKEN_CHECKS)
    private readonly tokenChecks: Counter<'kind' | 'outcome' | 'service'>,
    @InjectMetric(SESSION_VALIDATIONS) private readonly sessionValidations: Counter<'outcome'>,
    @InjectMetric(LOCKOUTS) private readonly lockouts: Counter<'api'>,
    @InjectMetric(TOKEN_REVOCATIONS)
    private readonly tokenRevocations: Counter<'kind' | 'service'>,
    @InjectMetric(SECOND_FACTOR_FAILURES)
    private readonly secondFactorFailures: Counter<'api' | 'reason'>,
    @InjectMetric(REQUEST_DURATION)
    private readonly requestDuration: Histogram<'method' | 'route' | 'status'>,
    @InjectMetric(SSF_WRITTEN) private readonly ssfWritten: Counter,
    @InjectMetric(SSF_DELIVERED) private readonly ssfDelivered: Counter<'method'>,
    @InjectMetric(SSF_RETRIED) private readonly ssfRetried: Counter,
    @InjectMetric(SSF_DROPPED) private readonly ssfDropped: Counter<'reason'>,
  ) {}

  countLogin(api: string, outcome: 'success' | 'failure'): void {
    this.logins.inc({ api, outcome });
  }

  countLockout(api: string): void {
    this.lockouts.inc({ api });
  }

  /** `reason`: 'missing' (no code) or 'wrong' (a wrong, used or replayed code). */
  countSecondFactorFailure(api: string, reason: string): void {
    this.secondFactorFailures.inc({ api, reason });
  }

  countTokenCheck(kind: TokenKind, valid: boolean, service: string): void {
    this.tokenChecks.inc({
      kind,
      outcome: valid ? 'valid' : 'invalid',
      service: this.serviceLabel(service),
    });
  }

  /** `client`: a registered service client's name (a plain name, as checked at creation), or null. */
  countTokenRevocation(kind: TokenKind, client: string | null): void {
    this.tokenRevocations.inc({ kind, service: client ?? 'self' });
  }

  /** `service` is client input: only a plain name of bounded length, and of bounded variety. */
  private serviceLabel(service: string): string {
    if (this.serviceLabels.has(service)) return service;
    if (this.serviceLabels.size >= MAX_SERVICE_LABELS || !SERVICE_LABEL.test(service))
      return 'other';
    this.serviceLabels.add(service);
    return service;
  }

  countSessionValidation(valid: boolean): void {
    this.sessionValidations.inc({ outcome: valid ? 'valid' : 'invalid' });
  }

  countSsfWritten(events: number): void {
    if (events > 0) this.ssfWritten.inc(events);
  }

  countSsfDelivered(method: 'push' | 'poll', events = 1): void {
    if (events > 0) this.ssfDelivered.inc({ method }, events);
  }

  countSsfRetried(): void {
    this.ssfRetried.inc();
  }

  /** `reason` must come from a bounded set: a receiver's err is checked against RFC 8935's. */
  countSsfDropped(reason: string, events = 1): void {
    if (events > 0) this.ssfDropped.inc({ reason }, events);
  }

  /**
   * Where the oldest-undelivered gauge reads its values at each scrape: the transmitter, above
   * this layer, is the one that can read the queue.
   */
  measureUndeliveredWith(source: UndeliveredAges): void {
    undeliveredAges = source;
  }

  /** Stops the gauge reading `source` (its app is shutting down), unless another replaced it. */
  stopMeasuringUndelivered(source: UndeliveredAges): void {
    if (undeliveredAges === source) undeliveredAges = null;
  }

  /** `route` is the route pattern, never the path, which may hold a secret and is unbounded. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status }, seconds);
  }
}
