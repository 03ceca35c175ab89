import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';

@Module({})
export class HealthModule {
  /** `checks` are providers exported by the global modules that own the dependencies (database, storage). */
  static register(options: { checks: Type<ReadinessCheck>[] }): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          useFactory: (...checks: ReadinessCheck[]) => checks,
          inject: options.checks,
        },
      ],
    };
  }
}
