import { existsSync } from 'node:fs';

/** Loads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * The size of libuv's thread pool, where bcrypt and node:crypto's derivations run: libuv reads
 * UV_THREADPOOL_SIZE itself, and uses 4 threads without it.
 */
export function threadPoolSize(): number {
  return Number(process.env.UV_THREADPOOL_SIZE) || 4;
}

/** The password `users:create` takes when it is not piped in: GATEHOUSE_PASSWORD. */
export function passwordFromEnvironment(): string | undefined {
  return process.env.GATEHOUSE_PASSWORD;
}
