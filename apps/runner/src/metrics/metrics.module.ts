import { Global, Module } from '@nestjs/common';
import { RunnerMetrics } from './runner-metrics.js';

/** One metrics registry for the whole Runner: the cache, the sandbox and the egress gate all report to it. */
@Global()
@Module({ providers: [RunnerMetrics], exports: [RunnerMetrics] })
export class MetricsModule {}
