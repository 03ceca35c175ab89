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
import type { ApiConfig } from './config/api-config.js';
import { ApiConfigModule } from './config/config.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthenticationModule } from './authentication/authentication.module.js';
import { ConsoleConfigModule } from './console/console-config.controller.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { IdentityModule } from './identity/identity.module.js';
import { RunnerParityCheck, RunnerParityModule } from './parity/runner-parity.js';
import { InstallsModule } from './installs/installs.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RegistryModule } from './registry/registry.module.js';
import { apiSchema } from './schema.js';
import { UploadModule } from './upload/upload.module.js';

@Module({})
export class ApiModule {
  static register(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ApiConfigModule.register(config),
        DatabaseModule.register(config.database, apiSchema),
        StorageModule.register(config.storage),
        // The API degrades without Redis (per-process limits), so an outage does not make it unready.
        SharedStateModule.register({ redis: config.redis, required: false }),
        RunnerParityModule,
        MetricsModule,
        HealthModule.register({
          checks: [DatabaseReadiness, StorageReadiness, RunnerParityCheck, SharedStateReadiness],
        }),
        AuditModule,
        AuthenticationModule,
        IdentityModule,
        RegistryModule,
        UploadModule,
        InstallsModule,
        GatewayModule,
        ConsoleConfigModule,
      ],
    };
  }
}
