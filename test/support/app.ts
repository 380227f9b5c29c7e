import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './database.js';

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
 * the test defaults (no logging, the lowest bcrypt cost). Given a `shared` database, the app uses
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
    DATABASE_URL: database.url,
    ...env,
  });
  const app = await createApp(config);
  return {
    app,
    config,
    http: () => request(app.getHttpServer()),
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
