import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ClockModule } from '../clock/clock.module.js';
import type { AppConfig } from '../config/app-config.js';
import { ConfigModule } from '../config/config.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';

/**
 * What every verb stands on: the configuration, the clock, the metrics, and the database, migrated as the
 * server migrates it at start. The task's module adds the feature modules its verb needs.
 */
@Module({})
export class VerbModule {
  static forTask(config: AppConfig, taskModule: Type<unknown>): DynamicModule {
    return {
      module: VerbModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        MetricsModule,
        DatabaseModule,
        taskModule,
      ],
    };
  }
}
