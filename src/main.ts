import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createApp } from './app.setup.js';
import { ConfigValidationError, loadAppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/environment.js';
import { checkSpeedUps } from './database/speed-up-check.js';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadAppConfig(process.env);
  const app = await createApp(config);
  await checkSpeedUps(app.get(DataSource));
  stopGracefullyOnSignals(app);
  await app.listen({ port: config.port, host: config.host });
}

/**
 * On SIGTERM or SIGINT: stop accepting, let the requests in flight finish, close the database and
 * exit 0 (Nest's own shutdown hooks would re-raise the signal instead).
 */
function stopGracefullyOnSignals(app: NestFastifyApplication): void {
  const stop = () => {
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

try {
  await bootstrap();
} catch (error) {
  // One line naming what is wrong; a configuration error needs no stack trace.
  const reason =
    error instanceof ConfigValidationError
      ? error.message
      : `Startup failed: ${(error as Error).message}`;
  console.error(reason);
  process.exit(1);
}
