import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/app-config.js';

/**
 * The store of the per-client-address counters (@nestjs/throttler's): Redis when REDIS_URL is
 * set, so that all instances share them, and memory otherwise. The limits themselves are counted
 * by the identity module's LoginLimiter, the one place that decides which requests count.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No route is throttled through @nestjs/throttler's own guard; LoginLimiter names its limits.
        throttlers: [],
        storage: config.redisUrl
          ? // Fail fast rather than queue while Redis is away; LoginLimiter then lets requests through.
            new ThrottlerStorageRedisService(config.redisUrl, {
              maxRetriesPerRequest: 1,
              enableOfflineQueue: false,
              lazyConnect: false,
            })
          : undefined,
      }),
    }),
  ],
})
export class ThrottlingModule {}
