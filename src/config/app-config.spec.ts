import { ConfigValidationError, loadAppConfig } from './app-config.js';

function errorFor(env: Record<string, string>): string {
  try {
    loadAppConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadAppConfig', () => {
  it('applies the defaults docs/configuration.md lists', () => {
    const config = loadAppConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: 'sqlite:./data/gatehouse.sqlite',
      admin: null,
      registrationOpen: true,
      bcryptCost: 12,
      passwordMinLength: 8,
      refuseCommonPasswords: true,
      redisUrl: null,
      jwt: {
        issuer: 'gatehouse',
        accessTokenTtl: 86_400,
        privateKeyPem: null,
        keyActivationDelaySeconds: 600,
      },
      sso: { header: 'x-remote-user', trustedProxies: [] },
      globalPrefix: '',
      cookieSecure: false,
      auditRetentionDays: 90,
      ssfEventTtlHours: 168,
      purgeIntervalSeconds: 3_600,
      requestTimeoutMs: 30_000,
      ssfPushTimeoutMs: 10_000,
      sessionApiHttpStatus: 'semantic',
      portal: expect.objectContaining({ cookieName: 'gatehouse_session' }),
      forwardAuthBasicCacheSeconds: 60,
    });
  });

  it('reads typed values, treating empty variables as unset', () => {
    const config = loadAppConfig({
      PORT: '8080',
      BCRYPT_COST: '10',
      AUDIT_RETENTION_DAYS: '30',
      SSF_EVENT_TTL_HOURS: '24',
      PURGE_INTERVAL_SECONDS: '0',
      REQUEST_TIMEOUT_SECONDS: '5',
      SSF_PUSH_TIMEOUT_SECONDS: '3',
      REGISTRATION_OPEN: 'false',
      COOKIE_SECURE: '1',
      SSO_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2',
      GLOBAL_PREFIX: '',
      SESSION_API_HTTP_STATUS: 'original',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
    });
    expect(config).toMatchObject({
      port: 8080,
      bcryptCost: 10,
      auditRetentionDays: 30,
      ssfEventTtlHours: 24,
      purgeIntervalSeconds: 0,
      requestTimeoutMs: 5_000,
      ssfPushTimeoutMs: 3_000,
      registrationOpen: false,
      cookieSecure: true,
      sessionApiHttpStatus: 'original',
      sso: { trustedProxies: ['10.0.0.1', '10.0.0.2'] },
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
    });
  });

  it.each(['semantic', 'meaningful'])(
    'reads SESSION_API_HTTP_STATUS=%s as the semantic statuses (meaningful: its earlier name)',
    (mode) => {
      expect(loadAppConfig({ SESSION_API_HTTP_STATUS: mode }).sessionApiHttpStatus).toBe(
        'semantic',
      );
    },
  );

  it('serves the docs unless DOCS_ENABLED is false, and knows whether PUBLIC_URL was set', () => {
    expect(loadAppConfig({})).toMatchObject({ docsEnabled: true, publicUrlExplicit: false });
    expect(loadAppConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(loadAppConfig({ DOCS_ENABLED: '0' }).docsEnabled).toBe(false);
    const given = loadAppConfig({ PUBLIC_URL: 'http://localhost:3000' });
    expect(given).toMatchObject({ publicUrl: 'http://localhost:3000', publicUrlExplicit: true });
  });

  it('reads CORS_ORIGINS as a list of origins, none by default', () => {
    expect(loadAppConfig({}).corsOrigins).toEqual([]);
    const origins = 'https://app.example.com, http://localhost:5173';
    expect(loadAppConfig({ CORS_ORIGINS: origins }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ BCRYPT_COST: '3' }, 'BCRYPT_COST'],
    [{ BCRYPT_COST: '12.5' }, 'BCRYPT_COST'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ REGISTRATION_OPEN: 'maybe' }, 'REGISTRATION_OPEN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ AUDIT_RETENTION_DAYS: '0' }, 'AUDIT_RETENTION_DAYS'],
    [{ AUDIT_RETENTION_DAYS: 'forever' }, 'AUDIT_RETENTION_DAYS'],
    [{ SSF_EVENT_TTL_HOURS: '0' }, 'SSF_EVENT_TTL_HOURS'],
    [{ SSF_EVENT_TTL_HOURS: '1.5' }, 'SSF_EVENT_TTL_HOURS'],
    [{ PURGE_INTERVAL_SECONDS: '-1' }, 'PURGE_INTERVAL_SECONDS'],
    [{ PURGE_INTERVAL_SECONDS: 'hourly' }, 'PURGE_INTERVAL_SECONDS'],
    [{ REQUEST_TIMEOUT_SECONDS: '0' }, 'REQUEST_TIMEOUT_SECONDS'],
    [{ REQUEST_TIMEOUT_SECONDS: '1.5' }, 'REQUEST_TIMEOUT_SECONDS'],
    [{ SSF_PUSH_TIMEOUT_SECONDS: '0' }, 'SSF_PUSH_TIMEOUT_SECONDS'],
    [{ SSF_PUSH_TIMEOUT_SECONDS: '301' }, 'SSF_PUSH_TIMEOUT_SECONDS'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ JWT_PRIVATE_KEY: 'not a key' }, 'JWT_PRIVATE_KEY'],
    [{ JWT_KEY_ACTIVATION_DELAY: '-1' }, 'JWT_KEY_ACTIVATION_DELAY'],
    [{ JWT_KEY_ACTIVATION_DELAY: '10m' }, 'JWT_KEY_ACTIVATION_DELAY'],
    [{ ADMIN_USERNAME: 'root' }, 'ADMIN_USERNAME and ADMIN_PASSWORD'],
    [{ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'x'.repeat(73) }, 'ADMIN_PASSWORD'],
    [{ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'Password123' }, 'ADMIN_PASSWORD'],
    [{ PASSWORD_REFUSE_COMMON: 'sometimes' }, 'PASSWORD_REFUSE_COMMON'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example.com/login' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    [{ SESSION_API_HTTP_STATUS: 'ORIGINAL' }, 'SESSION_API_HTTP_STATUS'],
    [{ DOCS_ENABLED: 'off' }, 'DOCS_ENABLED'],
  ])('refuses %o with one line naming the variable', (env, variable) => {
    const message = errorFor(env);
    expect(message).toContain(variable);
    expect(message.startsWith('Invalid configuration: ')).toBe(true);
    expect(message).not.toContain('\n');
  });

  it.each([
    [
      { JWT_ACCESS_TOKEN_TTL: '1h' },
      "JWT_ACCESS_TOKEN_TTL must be a whole number of seconds between 60 and 31536000, got '1h'",
    ],
    [
      { JWT_ACCESS_TOKEN_TTL: '59' },
      "JWT_ACCESS_TOKEN_TTL must be a whole number of seconds between 60 and 31536000, got '59'",
    ],
    [{ PORT: 'eighty' }, "PORT must be a whole number between 0 and 65535, got 'eighty'"],
    [{ BCRYPT_COST: '12.5' }, "BCRYPT_COST must be a whole number between 4 and 20, got '12.5'"],
    [
      { SESSION_IDLE_TIMEOUT: '0' },
      "SESSION_IDLE_TIMEOUT must be a whole number of seconds, at least 1, got '0'",
    ],
    [
      { LOGIN_ATTEMPTS_PER_MINUTE: '1e3' },
      "LOGIN_ATTEMPTS_PER_MINUTE must be a whole number, at least 1, got '1e3'",
    ],
    [
      { AUDIT_RETENTION_DAYS: '90d' },
      "AUDIT_RETENTION_DAYS must be a whole number of days between 1 and 36500, got '90d'",
    ],
    [
      { PURGE_INTERVAL_SECONDS: 'one\nhour' },
      "PURGE_INTERVAL_SECONDS must be a whole number of seconds between 0 and 2147483, got 'one\\nhour'",
    ],
    [
      { SESSION_API_HTTP_STATUS: '200' },
      "SESSION_API_HTTP_STATUS must be semantic or original, got '200'",
    ],
  ])('says what a variable expects and what it got: %o', (env, message) => {
    expect(errorFor(env)).toBe(`Invalid configuration: ${message}`);
  });

  it.each([
    'PORT',
    'BCRYPT_COST',
    'PASSWORD_MIN_LENGTH',
    'JWT_ACCESS_TOKEN_TTL',
    'SESSION_IDLE_TIMEOUT',
    'SESSION_ABSOLUTE_TIMEOUT',
    'PASSWORD_OPS_PER_MINUTE',
    'LOGIN_ATTEMPTS_PER_MINUTE',
    'LOCKOUT_BASE_SECONDS',
    'LOCKOUT_MAX_SECONDS',
    'AUDIT_RETENTION_DAYS',
    'SSF_EVENT_TTL_HOURS',
    'PURGE_INTERVAL_SECONDS',
    'REQUEST_TIMEOUT_SECONDS',
  ])('words every numeric refusal alike: %s', (variable) => {
    expect(errorFor({ [variable]: 'ten' })).toMatch(
      new RegExp(`^Invalid configuration: ${variable} must be a whole number\\b.*, got 'ten'$`),
    );
  });

  it.each(['REGISTRATION_OPEN', 'PASSWORD_REFUSE_COMMON', 'COOKIE_SECURE', 'FORWARD_AUTH_BASIC'])(
    'words every boolean refusal alike: %s',
    (variable) => {
      expect(errorFor({ [variable]: 'yes' })).toBe(
        `Invalid configuration: ${variable} must be true or false, got 'yes'`,
      );
    },
  );

  it('takes TRUST_PROXY as IP addresses, CIDR ranges and proxy-addr range names, refusing host names', () => {
    expect(loadAppConfig({}).trustProxy).toBe(false);
    const proxies = '10.0.0.1, 172.16.0.0/12, 192.168.0.0/255.255.0.0, ::1, fd00::/8, loopback';
    expect(loadAppConfig({ TRUST_PROXY: proxies }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      '192.168.0.0/255.255.0.0',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    for (const value of ['localhost', '10.0.0.0/33', '10.0.0.0/0', '::1/129', '10.0.0.1/8/8']) {
      expect(errorFor({ TRUST_PROXY: value })).toBe(
        `Invalid configuration: TRUST_PROXY must be comma-separated IP addresses or CIDR ranges (such as 10.0.0.1, 172.16.0.0/12), got '${value}'`,
      );
    }
  });

  it('never repeats a secret value in its message', () => {
    expect(errorFor({ ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'hunter2' })).not.toContain(
      'hunter2',
    );
    expect(errorFor({ JWT_PRIVATE_KEY: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' })).not.toContain(
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    );
  });

  it('takes TOTP_ENCRYPTION_KEY only as 32 bytes of base64, and never shows the value refused', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadAppConfig({ TOTP_ENCRYPTION_KEY: key }).totp.encryptionKey).toEqual(
      Buffer.alloc(32, 7),
    );
    expect(loadAppConfig({}).totp).toEqual({ encryptionKey: null, issuer: 'Gatehouse' });
    const short = Buffer.alloc(16, 7).toString('base64');
    for (const value of [short, 'not base64 at all, not at all, not at all!!', `${key}x`]) {
      const message = errorFor({ TOTP_ENCRYPTION_KEY: value });
      expect(message).toBe(
        'Invalid configuration: TOTP_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)',
      );
      expect(message).not.toContain(value);
    }
    expect(errorFor({ TOTP_ISSUER: 'Acme:Corp' })).toMatch(/^Invalid configuration: TOTP_ISSUER/);
  });
});

describe('the sign-in portal configuration', () => {
  it('defaults to the product name, gatehouse_session, no domain and no other hosts', () => {
    expect(loadAppConfig({}).portal).toEqual({
      title: 'Gatehouse',
      cookieName: 'gatehouse_session',
      cookieDomain: null,
      redirectHosts: [],
    });
  });

  it('reads the title, the cookie, its domain and the hosts, in lower case', () => {
    const config = loadAppConfig({
      PUBLIC_URL: 'https://auth.Example.com',
      PORTAL_TITLE: 'Acme',
      BROWSER_COOKIE_NAME: 'acme_sso',
      COOKIE_DOMAIN: 'Example.com',
      SIGNIN_REDIRECT_HOSTS: 'App.partner.test, 10.0.0.7',
    });
    expect(config.portal).toEqual({
      title: 'Acme',
      cookieName: 'acme_sso',
      cookieDomain: 'example.com',
      redirectHosts: ['app.partner.test', '10.0.0.7'],
    });
  });

  it.each([
    [
      { PORTAL_TITLE: 'x'.repeat(65) },
      'PORTAL_TITLE must be shorter than or equal to 64 characters',
    ],
    [{ BROWSER_COOKIE_NAME: 'a;b' }, 'BROWSER_COOKIE_NAME must be a cookie name'],
    [{ COOKIE_DOMAIN: '.example.com' }, 'COOKIE_DOMAIN must be a domain name such as example.com'],
    [
      { SIGNIN_REDIRECT_HOSTS: 'app.test, https://evil.test' },
      "SIGNIN_REDIRECT_HOSTS must be comma-separated host names (such as app.example.com), got 'app.test, https://evil.test'",
    ],
    [
      { PUBLIC_URL: 'https://auth.example.com', COOKIE_DOMAIN: 'other.test' },
      "COOKIE_DOMAIN must be PUBLIC_URL's host (auth.example.com) or a domain above it, got 'other.test'",
    ],
    [
      { PUBLIC_URL: 'https://auth.example.com', COOKIE_DOMAIN: 'ample.com' },
      "COOKIE_DOMAIN must be PUBLIC_URL's host (auth.example.com) or a domain above it, got 'ample.com'",
    ],
  ])('refuses %j with one clear line', (env, message) => {
    expect(errorFor(env)).toBe(`Invalid configuration: ${message}`);
  });
});

describe('loadAppConfig: the WebAuthn relying party', () => {
  it("defaults to PUBLIC_URL's host and origin, and PORTAL_TITLE as its name", () => {
    expect(loadAppConfig({}).webauthn).toEqual({
      id: 'localhost',
      origins: ['http://localhost:3000'],
      name: 'Gatehouse',
    });
    expect(
      loadAppConfig({ PUBLIC_URL: 'https://Auth.Example.com/gate', PORTAL_TITLE: 'Acme' }).webauthn,
    ).toEqual({ id: 'auth.example.com', origins: ['https://auth.example.com'], name: 'Acme' });
  });

  it('takes an RP ID above its origins, in lower case', () => {
    expect(
      loadAppConfig({
        PUBLIC_URL: 'https://auth.example.com',
        WEBAUTHN_RP_ID: 'Example.com',
        WEBAUTHN_ORIGINS: 'https://auth.example.com, https://app.example.com:8443',
      }).webauthn,
    ).toMatchObject({
      id: 'example.com',
      origins: ['https://auth.example.com', 'https://app.example.com:8443'],
    });
  });

  it("leaves passkeys without an RP ID, and the start going, when PUBLIC_URL's host is an IP address", () => {
    expect(loadAppConfig({ PUBLIC_URL: 'http://10.0.0.5:3000' }).webauthn.id).toBeNull();
    expect(loadAppConfig({ PUBLIC_URL: 'http://[::1]:3000' }).webauthn.id).toBeNull();
  });

  it.each([
    [
      { WEBAUTHN_RP_ID: '10.0.0.5' },
      "WEBAUTHN_RP_ID must be a domain name such as example.com (not an IP address, which WebAuthn refuses), got '10.0.0.5'",
    ],
    [
      { WEBAUTHN_RP_ID: 'https://example.com' },
      "WEBAUTHN_RP_ID must be a domain name such as example.com (not an IP address, which WebAuthn refuses), got 'https://example.com'",
    ],
    [
      { WEBAUTHN_ORIGINS: 'https://auth.example.com/login' },
      "WEBAUTHN_ORIGINS must be comma-separated origins such as https://auth.example.com (scheme, host and port only), got 'https://auth.example.com/login'",
    ],
    [
      { WEBAUTHN_ORIGINS: 'ftp://auth.example.com' },
      "WEBAUTHN_ORIGINS must be comma-separated origins such as https://auth.example.com (scheme, host and port only), got 'ftp://auth.example.com'",
    ],
    [
      { PUBLIC_URL: 'https://auth.example.com', WEBAUTHN_ORIGINS: 'https://app.example.com' },
      "WEBAUTHN_ORIGINS: https://app.example.com is not auth.example.com or under it (the relying party ID, PUBLIC_URL's host; set WEBAUTHN_RP_ID to a domain above every origin)",
    ],
    [
      { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://example.com.evil.test' },
      'WEBAUTHN_ORIGINS: https://example.com.evil.test is not example.com or under it (the relying party ID; set WEBAUTHN_RP_ID to a domain above every origin)',
    ],
    [
      { PUBLIC_URL: 'http://10.0.0.5:3000', WEBAUTHN_RP_ID: 'example.com' },
      "WEBAUTHN_RP_ID: PUBLIC_URL's origin (http://10.0.0.5:3000) is not example.com or under it; set WEBAUTHN_ORIGINS to the origins browsers reach Gatehouse at",
    ],
    [
      { PUBLIC_URL: 'http://10.0.0.5:3000', WEBAUTHN_ORIGINS: 'https://auth.example.com' },
      "WEBAUTHN_ORIGINS needs WEBAUTHN_RP_ID, since PUBLIC_URL's host (10.0.0.5) is an IP address",
    ],
  ])('refuses %j with one clear line', (env, message) => {
    expect(errorFor(env)).toBe(`Invalid configuration: ${message}`);
  });
});
