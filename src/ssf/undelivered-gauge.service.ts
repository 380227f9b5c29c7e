import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { MetricsService, type UndeliveredAges } from '../metrics/metrics.service.js';
import { DeliveriesService } from './deliveries.service.js';

/**
 * Gives `gatehouse_ssf_oldest_undelivered_seconds` its values when Prometheus scrapes: how long
 * each stream's oldest owed event has waited, read from the queue every instance shares.
 */
@Injectable()
export class UndeliveredGauge implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UndeliveredGauge.name);

  constructor(
    private readonly metrics: MetricsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  /** A database that fails leaves the gauge empty for that scrape, not the whole page a 500. */
  private readonly ages: UndeliveredAges = async () => {
    try {
      const ages = await this.deliveries.oldestUndeliveredAges();
      return new Map([...ages].map(([stream, ms]) => [stream, ms / 1000]));
    } catch (error) {
      this.logger.error(`Measuring undelivered events failed: ${(error as Error).message}`);
      return new Map();
    }
  };

  onApplicationBootstrap(): void {
    this.metrics.measureUndeliveredWith(this.ages);
  }

  beforeApplicationShutdown(): void {
    this.metrics.stopMeasuringUndelivered(this.ages);
  }
}
