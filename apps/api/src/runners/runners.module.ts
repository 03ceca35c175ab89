import { Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';
import { RunnerPool } from './runner-pool.js';

/** Starts the pool's probes (and DNS discovery) with the application and stops them with it. */
@Injectable()
class RunnerPoolLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly pool: RunnerPool) {}

  /** Not awaited: the API serves everything else while the first probes (or DNS answers) are pending. */
  onApplicationBootstrap(): void {
    void this.pool.start();
  }

  onApplicationShutdown(): void {
    this.pool.close();
  }
}

/**
 * The Runners this API calls: one {@link RunnerPool} per process, shared by the gateway (execute) and the
 * installs module (prewarm), so both send a content hash to the same Runner and share its health view.
 */
@Module({
  providers: [
    {
      provide: RunnerPool,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) =>
        new RunnerPool(config.runner.discovery, config.runner.sharedSecret, config.runner.healthIntervalMs),
    },
    RunnerPoolLifecycle,
  ],
  exports: [RunnerPool],
})
export class RunnersModule {}
