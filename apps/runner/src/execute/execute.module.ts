import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BUNDLE_STORE } from '@extplat/server-core';
import { type BundleStore, KeyPolicy } from '@extplat/storage';
import { BundleCacheModule } from '../cache/cache.module.js';
import { PrecompiledArtifacts } from '../cache/precompiled-artifacts.js';
import { RUNNER_CONFIG, RUNNER_LOGGER } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { EgressGate } from '../egress/egress-gate.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { Sandbox, TOOLCHAIN_KEY } from '../sandbox/index.js';
import { ExecuteController } from './execute.controller.js';
import { ExecuteService } from './execute.service.js';

/** Transpile outputs are ~12 MB for a JS component; anything far larger is not one of ours. */
const ARTIFACT_MAX_BYTES = 256 * 1024 * 1024;

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
      inject: [RUNNER_CONFIG, RUNNER_LOGGER, RunnerMetrics, BUNDLE_STORE, KeyPolicy],
      useFactory: (config: RunnerConfig, logger: Logger, metrics: RunnerMetrics, store: BundleStore, keys: KeyPolicy) =>
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
          // Without RUNNER_ARTIFACT_KEY nothing is shared: an artifact nobody can check is never loaded.
          sharedTranspiles: config.artifactKey
            ? new PrecompiledArtifacts({
                store,
                keys,
                artifactKey: config.artifactKey,
                toolchain: TOOLCHAIN_KEY,
                tempDir: join(config.cache.dir, 'artifacts.tmp'),
                maxBytes: ARTIFACT_MAX_BYTES,
                logger: logger.child({ component: 'precompiled-artifacts' }),
                observe: (event) => metrics.artifact(event),
              })
            : undefined,
        }),
    },
  ],
  exports: [Sandbox],
})
export class ExecuteModule {}
