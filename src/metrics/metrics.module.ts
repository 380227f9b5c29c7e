import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller.js';
import { metricProviders, MetricsService } from './metrics.service.js';

/**
 * `GET /metrics` and the metrics behind it, global so that any module can count. prom-client's
 * registry is one per process, so the default process metrics are registered once, here.
 */
@Global()
@Module({
  imports: [
    PrometheusModule.register({
      path: '/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [...metricProviders, MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
