import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import passport, { type Strategy } from 'passport';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { UserTokenStrategy } from '../../src/auth/strategies/user-token.strategy.js';
import {
  SessionStrategy,
  ValidatePathSessionStrategy,
} from '../../src/sessions/strategies/session.strategy.js';
import { JwtStrategy } from '../../src/tokens/strategies/jwt.strategy.js';
import { BasicOrTokenStrategy } from '../../src/identity/strategies/basic-or-token.strategy.js';
import { BasicStrategy } from '../../src/identity/strategies/basic.strategy.js';
import { createTestDatabase, type TestDatabase } from './database.js';

const STRATEGIES = [
  JwtStrategy,
  BasicOrTokenStrategy,
  BasicStrategy,
  UserTokenStrategy,
  SessionStrategy,
  ValidatePathSessionStrategy,
];

/**
 * Passport keeps one registry of strategies per process, where the app started last wins. In
 * production one process is one instance; here, with two instances in one process, each request
 * is first pointed at its own app's strategies, so that it is checked with that app's stores.
 */
function useStrategiesOf(app: NestFastifyApplication): void {
  for (const type of STRATEGIES) {
    const strategy = app.get<Strategy & { name: string }>(type);
    passport.use(strategy.name, strategy);
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** supertest bound to the running server. */
  http: () => ReturnType<typeof request>;
  /** The app's own DataSource, to look at what was stored. */
  db: DataSource;
  close(): Promise<void>;
}

/**
 * Starts the real application, as `npm start` would, on a database of its own. `env` overrides
 * the test defaults (no logging, the lowest bcrypt cost, per-address limits out of the way). Given a `shared` database, the app uses
 * it and leaves it in place on close, so that several apps (a restart, a second instance) can
 * share it.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  shared?: TestDatabase,
): Promise<TestApp> {
  const database = shared ?? (await createTestDatabase());
  const config = loadAppConfig({
    LOG_LEVEL: 'silent',
    BCRYPT_COST: '4',
    LOGIN_ATTEMPTS_PER_MINUTE: '100000',
    PASSWORD_OPS_PER_MINUTE: '100000',
    PURGE_INTERVAL_SECONDS: '0',
    DATABASE_URL: database.url,
    ...env,
  });
  const app = await createApp(config);
  return {
    app,
    config,
    http: () => {
      useStrategiesOf(app);
      return request(app.getHttpServer());
    },
    db: app.get(DataSource),
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
