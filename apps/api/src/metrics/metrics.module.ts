import { Global, Module } from '@nestjs/common';
import { ApiMetrics } from './api-metrics.js';
import { MetricsServer } from './metrics-server.js';

/** One metrics registry for the whole API, served on its own port (see {@link MetricsServer}). */
@Global()
@Module({
  providers: [ApiMetrics, MetricsServer],
  exports: [ApiMetrics],
})
export class MetricsModule {}
