import { type DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, DatabaseReadiness, HealthModule, StorageModule, StorageReadiness } from '@extplat/server-core';
import type { ApiConfig } from './config/api-config.js';
import { ApiConfigModule } from './config/config.module.js';
import { apiSchema } from './database/schema.js';

@Module({})
export class ApiModule {
  static register(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ApiConfigModule.register(config),
        DatabaseModule.register(config.database, apiSchema),
        StorageModule.register(config.storage),
        HealthModule.register({ checks: [DatabaseReadiness, StorageReadiness] }),
      ],
    };
  }
}
