import { AuditEvent } from './audit/audit-event.entity.js';
import { RevokedToken } from './credentials/access-tokens/entities/revoked-token.entity.js';
import { SigningKey } from './credentials/access-tokens/entities/signing-key.entity.js';
import { Passkey } from './credentials/passkeys/entities/passkey.entity.js';
import { WebauthnChallenge } from './credentials/passkeys/entities/webauthn-challenge.entity.js';
import { UsedRsaSalt } from './credentials/login-keys/entities/used-rsa-salt.entity.js';
import { RecoveryCode } from './credentials/second-factor/entities/recovery-code.entity.js';
import { TotpFactor } from './credentials/second-factor/entities/totp-factor.entity.js';
import { ServiceClient } from './credentials/service-clients/entities/service-client.entity.js';
import { SecurityEvent } from './security-events/entities/security-event.entity.js';
import { SsfDelivery } from './security-events/entities/ssf-delivery.entity.js';
import { SsfStream } from './security-events/entities/ssf-stream.entity.js';
import { Session } from './user-store/entities/session.entity.js';
import { UserToken } from './user-store/entities/user-token.entity.js';
import { Group } from './user-store/entities/group.entity.js';
import { LoginFailure } from './user-store/entities/login-failure.entity.js';
import { User } from './user-store/entities/user.entity.js';

/**
 * Every entity, for the tools that open the database without the app's modules (TypeORM's CLI,
 * the migration tests); the app itself loads each module's own.
 */
export const entities = [
  User,
  Group,
  LoginFailure,
  UserToken,
  Session,
  UsedRsaSalt,
  SigningKey,
  RevokedToken,
  AuditEvent,
  ServiceClient,
  TotpFactor,
  RecoveryCode,
  Passkey,
  WebauthnChallenge,
  SecurityEvent,
  SsfStream,
  SsfDelivery,
];
