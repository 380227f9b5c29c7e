import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { Group } from '../user-store/entities/group.entity.js';
import { LoginFailure } from '../user-store/entities/login-failure.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import { UserToken } from '../credentials/user-tokens/entities/user-token.entity.js';
import { Session } from '../credentials/sessions/entities/session.entity.js';
import { UsedRsaSalt } from '../credentials/login-keys/entities/used-rsa-salt.entity.js';
import { RevokedToken } from '../credentials/access-tokens/entities/revoked-token.entity.js';
import { SigningKey } from '../credentials/access-tokens/entities/signing-key.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { ServiceClient } from '../credentials/service-clients/entities/service-client.entity.js';
import { RecoveryCode } from '../credentials/second-factor/entities/recovery-code.entity.js';
import { TotpFactor } from '../credentials/second-factor/entities/totp-factor.entity.js';
import { migrations } from './migrations/index.js';

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
];

const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const SQLITE_PAGE_CACHE_KB = 2_048;

/**
 * The one description of the database, shared by the app, the CLI and TypeORM's own CLI for
 * writing migrations (ormconfig.ts).
 * The schema comes only from migrations; synchronize stays off.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const common = { entities, migrations, synchronize: false, migrationsRun: false } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const database = databaseUrl.slice('sqlite:'.length);
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database,
      enableWAL: database !== ':memory:',
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('foreign_keys = ON');
        db.pragma('synchronous = NORMAL');
        // better-sqlite3 builds SQLite with a 16 MB page cache; the checks read one row by key, so
        // the B-tree's inner pages (about 1 MB at a million users) are what is worth keeping
        // here, and the operating system's file cache serves the rest.
        db.pragma(`cache_size = -${SQLITE_PAGE_CACHE_KB}`);
      },
    };
  }
  return {
    ...common,
    type: 'postgres',
    url: databaseUrl,
    // Bounded waits: a database that stops answering makes requests fail (503) instead of hang.
    extra: { max: 20, connectionTimeoutMillis: 5_000, query_timeout: 5_000, keepAlive: true },
  };
}
