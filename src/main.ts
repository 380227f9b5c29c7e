import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { StartupError } from './common/errors/startup-error.js';
import { loadAppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/environment.js';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadAppConfig(process.env);
  // The app's modules load once the configuration holds: a bad value is answered at once.
  const [
    { Logger },
    { DataSource },
    { createApp },
    { TotpSecrets },
    { describeDatabase },
    { checkSpeedUps },
  ] = await Promise.all([
    import('@nestjs/common'),
    import('typeorm'),
    import('./app.setup.js'),
    import('./credentials/second-factor/totp-secrets.service.js'),
    import('./database/database-start.js'),
    import('./database/speed-up-check.js'),
  ]);
  const app = await createApp(config);
  await checkSpeedUps(app.get(DataSource));
  app.get(TotpSecrets).warnIfUnavailable();
  stopGracefullyOnSignals(app, new Logger('Server'));
  const database = describeDatabase(config.databaseUrl);
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) => `Server listening at ${address}, database ${database}`,
  });
}

/**
 * On SIGTERM or SIGINT: stop accepting, let the requests in flight finish, close the database,
 * say so in one line and exit 0 (Nest's own shutdown hooks would re-raise the signal instead).
 */
function stopGracefullyOnSignals(app: NestFastifyApplication, logger: LoggerService): void {
  const stop = (signal: NodeJS.Signals) => {
    app.close().then(
      () => {
        logger.log(`Stopped on ${signal}: no longer listening, database closed`);
        process.exit(0);
      },
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
  // One line naming what is wrong; a configuration or database error needs no stack trace.
  const reason =
    error instanceof StartupError ? error.message : `Startup failed: ${(error as Error).message}`;
  console.error(reason);
  process.exit(1);
}
