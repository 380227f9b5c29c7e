import { InitialSchema1763892000000 } from './1763892000000-initial-schema.js';
import { RevokedTokens1763900000000 } from './1763900000000-revoked-tokens.js';
import { UsedRsaSalts1763910000000 } from './1763910000000-used-rsa-salts.js';
import { LoginLockout1763920000000 } from './1763920000000-login-lockout.js';
import { GroupParentIndex1763930000000 } from './1763930000000-group-parent-index.js';
import { AuditEvents1763940000000 } from './1763940000000-audit-events.js';
import { LoginFailureTime1763957000000 } from './1763957000000-login-failure-time.js';
import { CredentialEpoch1764460000000 } from './1764460000000-credential-epoch.js';
import { ServerSecrets1764600000000 } from './1764600000000-server-secrets.js';
import { CredentialVersion1764700000000 } from './1764700000000-credential-version.js';
import { SigningKeyLifecycle1764810000000 } from './1764810000000-signing-key-lifecycle.js';
import { LongerPasswordHash1764900000000 } from './1764900000000-longer-password-hash.js';
import { ServiceClients1765000000000 } from './1765000000000-service-clients.js';
import { ServiceClientEpoch1765100000000 } from './1765100000000-service-client-epoch.js';
import { Totp1765200000000 } from './1765200000000-totp.js';
import { ImportDigests1765300000000 } from './1765300000000-import-digests.js';
import { PortalSecret1765400000000 } from './1765400000000-portal-secret.js';
import { Passkeys1765500000000 } from './1765500000000-passkeys.js';
import { SecurityEvents1765600000000 } from './1765600000000-security-events.js';
import { SsfStreams1765610000000 } from './1765610000000-ssf-streams.js';

/** Every migration, oldest first; listed here so that the app, the CLI and the tests run the same set. */
export const migrations = [
  InitialSchema1763892000000,
  RevokedTokens1763900000000,
  UsedRsaSalts1763910000000,
  LoginLockout1763920000000,
  GroupParentIndex1763930000000,
  AuditEvents1763940000000,
  LoginFailureTime1763957000000,
  CredentialEpoch1764460000000,
  ServerSecrets1764600000000,
  CredentialVersion1764700000000,
  SigningKeyLifecycle1764810000000,
  LongerPasswordHash1764900000000,
  ServiceClients1765000000000,
  ServiceClientEpoch1765100000000,
  Totp1765200000000,
  ImportDigests1765300000000,
  PortalSecret1765400000000,
  Passkeys1765500000000,
  SecurityEvents1765600000000,
  SsfStreams1765610000000,
];
