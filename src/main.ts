import { createApp } from './app.setup.js';
import { ConfigValidationError, loadAppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/environment.js';

async function bootstrap(): Promise<void> {
  loadDotEnv();
  const config = loadAppConfig(process.env);
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
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
