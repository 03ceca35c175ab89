import { type DynamicModule, Module } from '@nestjs/common';
import {
  DatabaseModule,
  DatabaseReadiness,
  HealthModule,
  SharedStateModule,
  SharedStateReadiness,
  StorageModule,
  StorageReadiness,
} from '@extplat/server-core';
import type { Logger } from 'pino';
import { RunnerConfigModule } from './config/config.module.js';
import type { RunnerConfig } from './config/runner-config.js';
import { ExecuteModule } from './execute/execute.module.js';
import { ExtUiModule } from './ext-ui/ext-ui.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PrewarmModule } from './prewarm/prewarm.module.js';

/** The Runner (ARCHITECTURE §9): signed execution in the sandbox and extension UIs by content hash. */
@Module({})
export class RunnerAppModule {
  static register(config: RunnerConfig, logger: Logger): DynamicModule {
    return {
      module: RunnerAppModule,
      imports: [
        RunnerConfigModule.register(config, logger),
        // The Runner never migrates: the API owns the schema.
        DatabaseModule.register(config.database, { entities: [], migrations: [] }),
        StorageModule.register(config.storage),
        // Required: without Redis the shared replay cache fails closed, so the Runner cannot execute.
        SharedStateModule.register({ redis: config.redis, required: true }),
        HealthModule.register({ checks: [DatabaseReadiness, StorageReadiness, SharedStateReadiness] }),
        MetricsModule,
        ExtUiModule,
        ExecuteModule,
        PrewarmModule,
      ],
    };
  }
}
