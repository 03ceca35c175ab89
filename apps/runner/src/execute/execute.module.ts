import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BundleCacheModule } from '../cache/cache.module.js';
import { RUNNER_CONFIG, RUNNER_LOGGER } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { EgressGate } from '../egress/egress-gate.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { Sandbox } from '../sandbox/index.js';
import { ExecuteController } from './execute.controller.js';
import { ExecuteService } from './execute.service.js';

/** Reports the sandbox's pool to the metrics, and stops its workers when the app closes. */
@Injectable()
class SandboxLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Sandbox) private readonly sandbox: Sandbox,
    metrics: RunnerMetrics,
  ) {
    metrics.observeSandbox(() => sandbox.stats());
  }
  async onApplicationShutdown(): Promise<void> {
    await this.sandbox.close();
  }
}

/** The Runner's data plane: signed execution in the sandbox, with host capabilities and egress. */
@Module({
  imports: [BundleCacheModule],
  controllers: [ExecuteController],
  providers: [
    ExecuteService,
    SandboxLifecycle,
    {
      provide: EgressGate,
      inject: [RUNNER_CONFIG, RunnerMetrics],
      useFactory: (config: RunnerConfig, metrics: RunnerMetrics) => new EgressGate(config.egress, metrics.egress),
    },
    {
      provide: Sandbox,
      inject: [RUNNER_CONFIG, RUNNER_LOGGER, RunnerMetrics],
      useFactory: (config: RunnerConfig, logger: Logger, metrics: RunnerMetrics) =>
        Sandbox.create({
          logger: logger.child({ component: 'sandbox' }),
          workers: config.sandbox.workers,
          tenantConcurrency: config.sandbox.tenantConcurrency,
          tenantQueueMax: config.sandbox.tenantQueueMax,
          queueTimeoutMs: config.sandbox.queueTimeoutMs,
          observer: metrics.scheduling,
          memoryMaxMiB: config.sandbox.memoryMaxMiB,
          transpileDir: join(config.cache.dir, 'transpiled'),
          compiledModulesMax: config.cache.compiledModulesMax,
        }),
    },
  ],
})
export class ExecuteModule {}
