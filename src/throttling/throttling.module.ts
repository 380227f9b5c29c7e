import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/app-config.js';

export const LOGIN_THROTTLER = 'login';
export const PASSWORD_OPS_THROTTLER = 'password-ops';

/**
 * Per-client-address limits (@nestjs/throttler): on every login route, and on the bcrypt-costly
 * password endpoints. The counters live in Redis when REDIS_URL is set, so that all instances
 * share them, and in memory otherwise.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: LOGIN_THROTTLER, ttl: 60_000, limit: config.loginAttemptsPerMinute },
          { name: PASSWORD_OPS_THROTTLER, ttl: 60_000, limit: config.passwordOpsPerMinute },
        ],
        storage: config.redisUrl
          ? // Fail fast rather than queue while Redis is away; the guard then lets requests through.
            new ThrottlerStorageRedisService(config.redisUrl, {
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              lazyConnect: false,
            })
          : undefined,
        // One counter per limit and address across all the routes that share it, not per route.
        generateKey: (_context, tracker, throttlerName) => `${throttlerName}:${tracker}`,
        setHeaders: false,
      }),
    }),
  ],
})
export class ThrottlingModule {}
