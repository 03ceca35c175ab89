import { Global, Module } from '@nestjs/common';
import { BUNDLE_CACHE_OBSERVER } from '../cache/cache.module.js';
import { RunnerMetrics } from './runner-metrics.js';

/** One metrics registry for the whole Runner: the cache, the sandbox and the egress gate all report to it. */
@Global()
@Module({
  providers: [
    RunnerMetrics,
    { provide: BUNDLE_CACHE_OBSERVER, inject: [RunnerMetrics], useFactory: (metrics: RunnerMetrics) => metrics.cache },
  ],
  exports: [RunnerMetrics, BUNDLE_CACHE_OBSERVER],
})
export class MetricsModule {}
