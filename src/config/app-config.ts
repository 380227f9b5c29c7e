import { isIP } from 'node:net';
import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  validateSync,
} from 'class-validator';
import {
  SESSION_API_HTTP_STATUSES,
  type SessionApiHttpStatus,
} from '../common/dialects/session.dialect.js';
import { StartupError } from '../common/errors/startup-error.js';
import { passwordPolicyViolation } from '../common/password-policy.js';
import { JWKS_MAX_AGE_SECONDS } from './jwks-max-age.js';

/** A configuration value that cannot be used; main.ts prints its message as one line and exits. */
export class ConfigValidationError extends StartupError {}

/** A refused value as a message shows it: JSON's escapes keep line breaks on the one line. */
function shown(value: unknown): string {
  return JSON.stringify(String(value)).slice(1, -1);
}

/**
 * true or false (1 or 0 do too): the one rule of every boolean variable, so that each refusal
 * names the variable and what it takes. Any other text is kept as it was, for the message.
 */
function TrueOrFalse(): PropertyDecorator {
  const toBoolean = Transform(({ value }: { value: unknown }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  );
  const isBoolean = ValidateBy({
    name: 'trueOrFalse',
    validator: {
      validate: (value: unknown) => typeof value === 'boolean',
      defaultMessage: (args) =>
        `${args?.property} must be true or false, got '${shown(args?.value)}'`,
    },
  });
  return (target, property) => {
    toBoolean(target, property);
    isBoolean(target, property);
  };
}

/** The names proxy-addr (Fastify's trustProxy) takes for whole ranges of addresses. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One entry of TRUST_PROXY: an IP address, a CIDR range (an IPv4 netmask too) or a range name. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, range, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (version === 4 && isIP(range) === 4) return true;
  return (
    /^\d{1,3}$/.test(range) && Number(range) >= 1 && Number(range) <= (version === 4 ? 32 : 128)
  );
}

/**
 * A whole number from `min` to `max` (or up from `min`): the one rule of every numeric variable,
 * so that each refusal says what was expected and what was given. Text that is not written as a
 * whole number is kept as it was, for the message to show it; no numeric variable is a secret.
 */
function WholeNumber({
  min,
  max,
  unit,
}: {
  min: number;
  max?: number;
  unit?: string;
}): PropertyDecorator {
  const range = max === undefined ? `, at least ${min}` : ` between ${min} and ${max}`;
  const expected = `must be a whole number${unit ? ` of ${unit}` : ''}${range}`;
  const toNumber = Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
  );
  const inRange = ValidateBy({
    name: 'wholeNumber',
    validator: {
      validate: (value: unknown) =>
        Number.isSafeInteger(value) &&
        (value as number) >= min &&
        (max === undefined || (value as number) <= max),
      defaultMessage: (args) => `${args?.property} ${expected}, got '${shown(args?.value)}'`,
    },
  });
  return (target, property) => {
    toNumber(target, property);
    inRange(target, property);
  };
}

/** A DNS name (or an IPv4 address), without a port, a leading dot or a trailing one. */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An origin as browsers send it (`https://host[:port]`, lower case), or null when `value` is none. */
function originOf(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const bare =
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    !url.username &&
    !url.password &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !value.endsWith('/');
  return bare ? url.origin : null;
}

/** The environment (docs/configuration.md's table): every variable, its default and its rule. */
class EnvironmentVariables {
  @WholeNumber({ min: 0, max: 65_535 }) PORT = 3000;
  @IsString() HOST = '0.0.0.0';
  /** The base URL clients reach this service at (behind a proxy, the proxy's); default from PORT. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, {
    message: 'must be an http(s) URL such as https://auth.example.com',
  })
  PUBLIC_URL?: string;
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @ValidateBy({
    name: 'proxyAddresses',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && commaSeparated(value).every(isProxyAddress),
      defaultMessage: (args) =>
        `TRUST_PROXY must be comma-separated IP addresses or CIDR ranges (such as 10.0.0.1, 172.16.0.0/12), got '${shown(args?.value)}'`,
    },
  })
  TRUST_PROXY = '';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'must be sqlite:<file>, sqlite::memory: or postgres://user@host:port/database',
  })
  DATABASE_URL = 'sqlite:./data/gatehouse.sqlite';

  @IsOptional() @IsString() @MinLength(1) @MaxLength(64) ADMIN_USERNAME?: string;
  @IsOptional() @IsString() ADMIN_PASSWORD?: string;
  @TrueOrFalse() REGISTRATION_OPEN = true;

  @WholeNumber({ min: 4, max: 20 }) BCRYPT_COST = 12;
  @WholeNumber({ min: 1, max: 72, unit: 'characters' }) PASSWORD_MIN_LENGTH = 8;
  @TrueOrFalse() PASSWORD_REFUSE_COMMON = true;

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be redis://host:port' })
  REDIS_URL?: string;

  @IsString() @MinLength(1) JWT_ISSUER = 'gatehouse';
  @WholeNumber({ min: 60, max: 31_536_000, unit: 'seconds' }) JWT_ACCESS_TOKEN_TTL = 86_400;
  @IsOptional()
  @Matches(/-----BEGIN (RSA )?PRIVATE KEY-----/, { message: 'must be a PEM private key' })
  JWT_PRIVATE_KEY?: string;
  @IsOptional() @IsString() JWT_PRIVATE_KEY_FILE?: string;
  @WholeNumber({ min: 0, max: 31_536_000, unit: 'seconds' }) JWT_KEY_ACTIVATION_DELAY =
    2 * JWKS_MAX_AGE_SECONDS;
  @IsString() DEFAULT_SCOPE_USER = 'profile:read profile:write';
  @IsString() DEFAULT_SCOPE_ADMIN = 'profile:read profile:write users:read users:write';

  @Matches(/^[A-Za-z0-9-]+$/, { message: 'must be an HTTP header name' }) SSO_HEADER =
    'X-Remote-User';
  @IsString() SSO_TRUSTED_PROXIES = '';
  @IsString() GLOBAL_PREFIX = '';
  @TrueOrFalse() COOKIE_SECURE = false;
  @TrueOrFalse() FORWARD_AUTH_BASIC = false;
  @WholeNumber({ min: 0, max: 3_600, unit: 'seconds' }) FORWARD_AUTH_BASIC_CACHE_SECONDS = 60;
  // Named origins only: a browser may send credentials, so no wildcard is taken.
  @IsOptional()
  @Matches(/^\s*https?:\/\/[^\s/,]+\s*(,\s*https?:\/\/[^\s/,]+\s*)*$/, {
    message: 'must be comma-separated origins such as https://app.example.com',
  })
  CORS_ORIGINS?: string;
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'must be a cookie name' }) SESSION_COOKIE_NAME =
    'GCN_SESSION_SECRET';
  @WholeNumber({ min: 1, unit: 'seconds' }) SESSION_IDLE_TIMEOUT = 3_600;
  @WholeNumber({ min: 1, unit: 'seconds' }) SESSION_ABSOLUTE_TIMEOUT = 86_400;
  // `meaningful` was this mode's name in earlier releases: a deployment that still sets it keeps
  // its statuses rather than failing to start.
  @Transform(({ value }) => (value === 'meaningful' ? 'semantic' : value))
  @IsIn(SESSION_API_HTTP_STATUSES, {
    message: ({ value }) =>
      `SESSION_API_HTTP_STATUS must be semantic or original, got '${shown(value)}'`,
  })
  SESSION_API_HTTP_STATUS: SessionApiHttpStatus = 'semantic';
  @WholeNumber({ min: 1 }) PASSWORD_OPS_PER_MINUTE = 30;
  @WholeNumber({ min: 1 }) LOGIN_ATTEMPTS_PER_MINUTE = 60;
  @WholeNumber({ min: 1, unit: 'seconds' }) LOCKOUT_BASE_SECONDS = 30;
  @WholeNumber({ min: 1, unit: 'seconds' }) LOCKOUT_MAX_SECONDS = 3_600;
  @WholeNumber({ min: 1, max: 36_500, unit: 'days' }) AUDIT_RETENTION_DAYS = 90;
  @WholeNumber({ min: 1, max: 87_600, unit: 'hours' }) SSF_EVENT_TTL_HOURS = 168;
  // setInterval's longest delay is 2^31 - 1 ms.
  @WholeNumber({ min: 0, max: 2_147_483, unit: 'seconds' }) PURGE_INTERVAL_SECONDS = 3_600;
  @WholeNumber({ min: 1, max: 3_600, unit: 'seconds' }) REQUEST_TIMEOUT_SECONDS = 30;
  @WholeNumber({ min: 1, unit: 'bytes' }) IMPORT_MAX_BYTES = 64 * 1024 * 1024;
  @WholeNumber({ min: 1, max: 300, unit: 'seconds' }) SSF_PUSH_TIMEOUT_SECONDS = 10;

  @IsOptional()
  @ValidateBy({
    name: 'aes256Key',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        /^[A-Za-z0-9+/]{43}=$/.test(value) &&
        Buffer.from(value, 'base64').length === 32,
      // The value is a secret: the message never shows it.
      defaultMessage: () =>
        'TOTP_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
    },
  })
  TOTP_ENCRYPTION_KEY?: string;
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[^:]+$/, { message: 'must not contain a colon' })
  TOTP_ISSUER = 'Gatehouse';
  @TrueOrFalse() DOCS_ENABLED = true;

  @IsString() @MinLength(1) @MaxLength(64) PORTAL_TITLE = 'Gatehouse';
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'must be a cookie name' }) BROWSER_COOKIE_NAME =
    'gatehouse_session';
  @IsOptional()
  @Matches(HOST_NAME, { message: 'must be a domain name such as example.com' })
  COOKIE_DOMAIN?: string;
  @ValidateBy({
    name: 'hostNames',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && commaSeparated(value).every((host) => HOST_NAME.test(host)),
      defaultMessage: (args) =>
        `SIGNIN_REDIRECT_HOSTS must be comma-separated host names (such as app.example.com), got '${shown(args?.value)}'`,
    },
  })
  SIGNIN_REDIRECT_HOSTS = '';

  @IsOptional()
  @ValidateBy({
    name: 'relyingPartyId',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && HOST_NAME.test(value) && isIP(value) === 0,
      defaultMessage: (args) =>
        `WEBAUTHN_RP_ID must be a domain name such as example.com (not an IP address, which WebAuthn refuses), got '${shown(args?.value)}'`,
    },
  })
  WEBAUTHN_RP_ID?: string;
  @IsOptional()
  @ValidateBy({
    name: 'webOrigins',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        commaSeparated(value).length > 0 &&
        commaSeparated(value).every((origin) => originOf(origin) !== null),
      defaultMessage: (args) =>
        `WEBAUTHN_ORIGINS must be comma-separated origins such as https://auth.example.com (scheme, host and port only), got '${shown(args?.value)}'`,
    },
  })
  WEBAUTHN_ORIGINS?: string;
}

export class AppConfig {
  readonly port: number;
  /** The base URL the OpenAPI document's `servers` (and discovery) name, without a trailing slash. */
  readonly publicUrl: string;
  /**
   * Whether PUBLIC_URL was set rather than defaulted: only then does the OpenAPI document name it,
   * since the default would send Try it out to localhost from any other address.
   */
  readonly publicUrlExplicit: boolean;
  readonly host: string;
  readonly logLevel: string;
  /** Proxy addresses (or CIDR ranges) whose X-Forwarded-For names the client; none by default. */
  readonly trustProxy: string[] | false;
  readonly databaseUrl: string;
  readonly admin: { username: string; password: string } | null;
  readonly registrationOpen: boolean;
  readonly bcryptCost: number;
  readonly passwordMinLength: number;
  /** Whether a new password among the most common ones is refused. */
  readonly refuseCommonPasswords: boolean;
  readonly redisUrl: string | null;
  readonly jwt: {
    issuer: string;
    accessTokenTtl: number;
    privateKeyPem: string | null;
    privateKeyFile: string | null;
    /** Seconds from a rotation until its new key signs; 0 signs at once (and withdraws nothing). */
    keyActivationDelaySeconds: number;
  };
  readonly defaultScopes: { user: string; admin: string };
  readonly sso: { header: string; trustedProxies: string[] };
  readonly globalPrefix: string;
  readonly cookieSecure: boolean;
  /**
   * Whether forward authentication takes Basic passwords: off by default, since each costs a
   * bcrypt on a path that a proxy calls for every request.
   */
  readonly forwardAuthBasic: boolean;
  /**
   * Seconds a Basic password that passed forward authentication is kept (under a keyed hash and
   * the credential epoch), so that a page and its assets cost one bcrypt; 0 keeps none.
   */
  readonly forwardAuthBasicCacheSeconds: number;
  /** Origins a browser may call from, credentials included; none by default. */
  readonly corsOrigins: string[];
  readonly sessions: { cookieName: string; idleTimeoutMs: number; absoluteTimeoutMs: number };
  /** The session API's HTTP statuses: those of each situation, or 200 throughout as the original's. */
  readonly sessionApiHttpStatus: SessionApiHttpStatus;
  /** hashpassword/matchpassword calls a client may make a minute: each costs a bcrypt. */
  readonly passwordOpsPerMinute: number;
  /** Login requests a client address may make a minute, on every login route. */
  readonly loginAttemptsPerMinute: number;
  /** The first lock after five consecutive failures, doubling with each further one, up to the max. */
  readonly lockout: { baseSeconds: number; maxSeconds: number };
  /** Days an audit event is kept before the purge deletes it. */
  readonly auditRetentionDays: number;
  /** Hours a security event is kept for receivers that have not acknowledged it; then the purge drops it. */
  readonly ssfEventTtlHours: number;
  /** Seconds between purges of expired credentials and old audit events; 0 turns the schedule off. */
  readonly purgeIntervalSeconds: number;
  /** How long a client has to send a whole request, headers and body: then 408 and the connection closes. */
  readonly requestTimeoutMs: number;
  /** The largest body `POST /api/admin/users/import` reads, beyond the JSON limit of other routes. */
  readonly importMaxBytes: number;
  /**
   * How long a push receiver has to answer one SET before the push counts as failed and is
   * tried again later: a receiver that hangs must not hold its stream's later events for long.
   */
  readonly ssfPushTimeoutMs: number;
  readonly totp: {
    /** The AES-256 key second-factor secrets are encrypted with; null: a key file (SQLite) or none. */
    encryptionKey: Buffer | null;
    /** The label authenticator apps show the account under. */
    issuer: string;
  };
  /** Whether Swagger UI (/docs) and the OpenAPI document (/docs-json) are served. */
  readonly docsEnabled: boolean;
  readonly portal: {
    /** The product name the sign-in portal's pages show. */
    title: string;
    /** The cookie that holds a browser's session: its sid followed by its secret. */
    cookieName: string;
    /** The cookie's Domain, lower case, for one sign-in across subdomains; null: this host only. */
    cookieDomain: string | null;
    /** Hosts, lower case, besides PUBLIC_URL's and those within cookieDomain, `rd` may name. */
    redirectHosts: string[];
  };
  /** The WebAuthn relying party passkeys are made for and checked against. */
  readonly webauthn: RelyingParty;
}

/** Where passkeys are valid: an RP ID, and the origins of the pages that may use them. */
export interface RelyingParty {
  /**
   * The domain passkeys are bound to (lower case); null when it defaulted to PUBLIC_URL's host
   * and that is an IP address, which WebAuthn refuses: passkeys are then unavailable (503) until
   * WEBAUTHN_RP_ID is set, while everything else runs.
   */
  id: string | null;
  /** The origins (`scheme://host[:port]`) whose pages may create and use passkeys. */
  origins: string[];
  /** The name authenticators show for the relying party: PORTAL_TITLE. */
  name: string;
}

function firstError(vars: EnvironmentVariables): string | null {
  const [error] = validateSync(vars, { forbidUnknownValues: false });
  if (!error) return null;
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  // class-validator words its messages as "<property> must …"; keep one line naming the variable.
  return reason.startsWith(error.property) ? reason : `${error.property} ${reason}`;
}

/** The entries of a comma-separated list, trimmed, without empty ones. */
function commaSeparated(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function parseTrustProxy(value: string): string[] | false {
  const addresses = commaSeparated(value);
  return addresses.length > 0 ? addresses : false;
}

/** Reads and validates the environment; throws ConfigValidationError naming the first bad variable. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const vars = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const error = firstError(vars);
  if (error) throw new ConfigValidationError(`Invalid configuration: ${error}`);
  if (Boolean(vars.ADMIN_USERNAME) !== Boolean(vars.ADMIN_PASSWORD)) {
    throw new ConfigValidationError(
      'Invalid configuration: ADMIN_USERNAME and ADMIN_PASSWORD must be set together',
    );
  }
  const adminPasswordViolation =
    vars.ADMIN_PASSWORD &&
    passwordPolicyViolation(vars.ADMIN_PASSWORD, {
      minLength: vars.PASSWORD_MIN_LENGTH,
      refuseCommon: vars.PASSWORD_REFUSE_COMMON,
    });
  if (adminPasswordViolation) {
    throw new ConfigValidationError(
      `Invalid configuration: ADMIN_PASSWORD: ${adminPasswordViolation}`,
    );
  }
  const publicUrl = (vars.PUBLIC_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, '');
  const cookieDomain = vars.COOKIE_DOMAIN?.toLowerCase();
  const publicHost = new URL(publicUrl).hostname;
  if (cookieDomain && publicHost !== cookieDomain && !publicHost.endsWith(`.${cookieDomain}`)) {
    throw new ConfigValidationError(
      `Invalid configuration: COOKIE_DOMAIN must be PUBLIC_URL's host (${publicHost}) or a domain above it, got '${shown(cookieDomain)}'`,
    );
  }
  const webauthn = relyingPartyOf(vars, publicUrl);
  return Object.assign(new AppConfig(), {
    port: vars.PORT,
    publicUrl,
    publicUrlExplicit: vars.PUBLIC_URL !== undefined,
    host: vars.HOST,
    logLevel: vars.LOG_LEVEL,
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    databaseUrl: vars.DATABASE_URL,
    admin: vars.ADMIN_USERNAME
      ? { username: vars.ADMIN_USERNAME, password: vars.ADMIN_PASSWORD as string }
      : null,
    registrationOpen: vars.REGISTRATION_OPEN,
    bcryptCost: vars.BCRYPT_COST,
    passwordMinLength: vars.PASSWORD_MIN_LENGTH,
    refuseCommonPasswords: vars.PASSWORD_REFUSE_COMMON,
    redisUrl: vars.REDIS_URL ?? null,
    jwt: {
      issuer: vars.JWT_ISSUER,
      accessTokenTtl: vars.JWT_ACCESS_TOKEN_TTL,
      privateKeyPem: vars.JWT_PRIVATE_KEY?.replace(/\\n/g, '\n') ?? null,
      privateKeyFile: vars.JWT_PRIVATE_KEY_FILE ?? null,
      keyActivationDelaySeconds: vars.JWT_KEY_ACTIVATION_DELAY,
    },
    defaultScopes: { user: vars.DEFAULT_SCOPE_USER, admin: vars.DEFAULT_SCOPE_ADMIN },
    sso: {
      header: vars.SSO_HEADER.toLowerCase(),
      trustedProxies: commaSeparated(vars.SSO_TRUSTED_PROXIES),
    },
    globalPrefix: vars.GLOBAL_PREFIX,
    cookieSecure: vars.COOKIE_SECURE,
    forwardAuthBasic: vars.FORWARD_AUTH_BASIC,
    forwardAuthBasicCacheSeconds: vars.FORWARD_AUTH_BASIC_CACHE_SECONDS,
    corsOrigins: commaSeparated(vars.CORS_ORIGINS ?? ''),
    sessions: {
      cookieName: vars.SESSION_COOKIE_NAME,
      idleTimeoutMs: vars.SESSION_IDLE_TIMEOUT * 1000,
      absoluteTimeoutMs: vars.SESSION_ABSOLUTE_TIMEOUT * 1000,
    },
    sessionApiHttpStatus: vars.SESSION_API_HTTP_STATUS,
    passwordOpsPerMinute: vars.PASSWORD_OPS_PER_MINUTE,
    loginAttemptsPerMinute: vars.LOGIN_ATTEMPTS_PER_MINUTE,
    lockout: { baseSeconds: vars.LOCKOUT_BASE_SECONDS, maxSeconds: vars.LOCKOUT_MAX_SECONDS },
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    ssfEventTtlHours: vars.SSF_EVENT_TTL_HOURS,
    purgeIntervalSeconds: vars.PURGE_INTERVAL_SECONDS,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_SECONDS * 1000,
    importMaxBytes: vars.IMPORT_MAX_BYTES,
    ssfPushTimeoutMs: vars.SSF_PUSH_TIMEOUT_SECONDS * 1000,
    totp: {
      encryptionKey: vars.TOTP_ENCRYPTION_KEY
        ? Buffer.from(vars.TOTP_ENCRYPTION_KEY, 'base64')
        : null,
      issuer: vars.TOTP_ISSUER,
    },
    docsEnabled: vars.DOCS_ENABLED,
    portal: {
      title: vars.PORTAL_TITLE,
      cookieName: vars.BROWSER_COOKIE_NAME,
      cookieDomain: vars.COOKIE_DOMAIN?.toLowerCase() ?? null,
      redirectHosts: commaSeparated(vars.SIGNIN_REDIRECT_HOSTS).map((host) => host.toLowerCase()),
    },
    webauthn,
  });
}

/**
 * The relying party: WEBAUTHN_RP_ID, else PUBLIC_URL's host; WEBAUTHN_ORIGINS, else PUBLIC_URL's
 * origin. Every origin's host must be the RP ID or under it, as browsers require, or no passkey
 * made there would ever verify: that stops the start with one line.
 */
function relyingPartyOf(vars: EnvironmentVariables, publicUrl: string): RelyingParty {
  const publicHost = new URL(publicUrl).hostname;
  const given = vars.WEBAUTHN_RP_ID?.toLowerCase();
  const id = given ?? (isIP(publicHost) === 0 && !publicHost.startsWith('[') ? publicHost : null);
  const origins = vars.WEBAUTHN_ORIGINS
    ? commaSeparated(vars.WEBAUTHN_ORIGINS).map((origin) => originOf(origin)!)
    : [new URL(publicUrl).origin];
  if (vars.WEBAUTHN_ORIGINS && id === null) {
    throw new ConfigValidationError(
      `Invalid configuration: WEBAUTHN_ORIGINS needs WEBAUTHN_RP_ID, since PUBLIC_URL's host (${publicHost}) is an IP address`,
    );
  }
  const outside = id === null ? [] : origins.filter((origin) => !isWithin(origin, id));
  if (outside.length > 0 && !vars.WEBAUTHN_ORIGINS) {
    throw new ConfigValidationError(
      `Invalid configuration: WEBAUTHN_RP_ID: PUBLIC_URL's origin (${outside.join(', ')}) is not ${id} or under it; set WEBAUTHN_ORIGINS to the origins browsers reach Gatehouse at`,
    );
  }
  if (outside.length > 0) {
    throw new ConfigValidationError(
      `Invalid configuration: WEBAUTHN_ORIGINS: ${outside.join(', ')} is not ${id} or under it (the relying party ID${given ? '' : ", PUBLIC_URL's host"}; set WEBAUTHN_RP_ID to a domain above every origin)`,
    );
  }
  return { id, origins, name: vars.PORTAL_TITLE };
}

/** Whether `origin`'s host is the relying party ID `id` or a name under it. */
function isWithin(origin: string, id: string): boolean {
  const host = new URL(origin).hostname;
  return host === id || host.endsWith(`.${id}`);
}

/** The configuration the process's environment gives, with `overrides` set over it. */
export function appConfigFromEnvironment(overrides: Record<string, string> = {}): AppConfig {
  return loadAppConfig({ ...process.env, ...overrides });
}
