import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, DatabaseReadiness, HealthModule, StorageModule, StorageReadiness } from '@extplat/server-core';
import { RunnerConfigModule } from './config/config.module.js';
import type { RunnerConfig } from './config/runner-config.js';

@Module({})
export class RunnerAppModule {
  static register(config: RunnerConfig): DynamicModule {
    return {
      module: RunnerAppModule,
      imports: [
        RunnerConfigModule.register(config),
        // The Runner never migrates: the API owns the schema.
        DatabaseModule.register(config.database, { entities: [], migrations: [] }),
        StorageModule.register(config.storage),
        HealthModule.register({ checks: [DatabaseReadiness, StorageReadiness] }),
      ],
    };
  }
}
