import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { loadAppConfig } from './config/app-config.js';
import { loadDotEnv } from './config/environment.js';
import { SigningKeysService } from './tokens/signing-keys.service.js';
import { UsersService } from './users/users.service.js';

const USAGE = `Usage: npm run cli -- <verb>
  keys:rotate                       make a new signing key; older keys keep verifying what they signed
  users:set-scope <username> [scope] set a user's own JWT scope (no scope: back to the privilege's default)`;

/** Administrative verbs, run against the configured database with the app's own services. */
async function main(verb: string | undefined, args: string[]): Promise<number> {
  if (verb !== 'keys:rotate' && verb !== 'users:set-scope') {
    console.error(USAGE);
    return 2;
  }
  loadDotEnv();
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot(loadAppConfig(process.env)),
    {
      logger: ['error'],
    },
  );
  try {
    if (verb === 'keys:rotate') {
      console.log(`New signing key: ${await app.get(SigningKeysService).rotate()}`);
    } else {
      const [username, scope] = args;
      if (!username) throw new Error(USAGE);
      await app.get(UsersService).setScope(username, scope ?? null);
      console.log(`Scope of ${username}: ${scope ?? '(privilege default)'}`);
    }
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
