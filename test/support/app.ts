import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import passport, { type Strategy } from 'passport';
import request from 'supertest';
import { freePort } from '../system/support/processes.js';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { UserTokenStrategy } from '../../src/identity/strategies/user-token.strategy.js';
import {
  SessionStrategy,
  ValidatePathSessionStrategy,
} from '../../src/identity/strategies/session.strategy.js';
import { JwtStrategy } from '../../src/identity/strategies/jwt.strategy.js';
import { BasicOrTokenStrategy } from '../../src/identity/strategies/basic-or-token.strategy.js';
import { clientOf, type GatehouseApi } from './api.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { contractOf, expectDocumented, type OpenApiContract } from './openapi-contract.js';

const STRATEGIES = [
  JwtStrategy,
  BasicOrTokenStrategy,
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
  /**
   * supertest bound to the running server; every response of a documented operation is held
   * against the app's own OpenAPI document, so a test fails when the server says more or other
   * than the document does.
   */
  http: () => ReturnType<typeof request>;
  /** The client generated from the OpenAPI document, its responses checked as `http`'s are. */
  api: GatehouseApi;
  /** The app's OpenAPI document, as a contract responses are checked against. */
  contract: OpenApiContract;
  /** Points Passport at this app's strategies, for a request that does not go through `http`. */
  useStrategies(): void;
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
  const document = await app.inject({ method: 'GET', url: '/docs-json' });
  const contract = contractOf(document.json());
  return {
    app,
    config,
    http: () => {
      useStrategiesOf(app);
      return checkedAgainst(contract, request(app.getHttpServer()));
    },
    api: clientOf(app, contract, () => useStrategiesOf(app)),
    contract,
    useStrategies: () => useStrategiesOf(app),
    db: app.get(DataSource),
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}

/**
 * The app listening on a real port of 127.0.0.1 that its `PUBLIC_URL` and `JWT_ISSUER` name, for
 * clients that find it by its metadata (discovery libraries, a receiver in a process of its own).
 */
export async function startListeningTestApp(
  env: Record<string, string> = {},
): Promise<{ t: TestApp; baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ PUBLIC_URL: baseUrl, JWT_ISSUER: baseUrl, ...env });
  await t.app.listen(port, '127.0.0.1');
  return { t, baseUrl };
}

const VERBS = new Map([
  ['get', 'GET'],
  ['post', 'POST'],
  ['put', 'PUT'],
  ['patch', 'PATCH'],
  ['delete', 'DELETE'],
  ['del', 'DELETE'],
  ['head', 'HEAD'],
  ['options', 'OPTIONS'],
]);

/** supertest whose every request holds its response against the contract. */
function checkedAgainst(
  contract: OpenApiContract,
  agent: ReturnType<typeof request>,
): ReturnType<typeof request> {
  return new Proxy(agent, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      const method = typeof property === 'string' ? VERBS.get(property) : undefined;
      if (!method || typeof value !== 'function') return value;
      return (url: string) =>
        (value as (url: string) => request.Test).call(target, url).expect((res) =>
          expectDocumented(contract, {
            method,
            url,
            status: res.status,
            headers: res.headers as Record<string, string | string[] | undefined>,
            text: res.text,
          }),
        );
    },
  });
}

export { basic } from './basic-auth.js';
