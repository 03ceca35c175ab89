import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { RunnerConfig } from './runner-config.js';

/** Injection token of the validated {@link RunnerConfig}; nothing else in the Runner reads `process.env`. */
export const RUNNER_CONFIG = Symbol('RUNNER_CONFIG');

@Global()
@Module({})
export class RunnerConfigModule {
  static register(config: RunnerConfig): DynamicModule {
    return {
      module: RunnerConfigModule,
      providers: [{ provide: RUNNER_CONFIG, useValue: config }],
      exports: [RUNNER_CONFIG],
    };
  }
}
