import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { RunnerConfig } from './runner-config.js';

/** Injection token of the validated {@link RunnerConfig}; nothing else in the Runner reads `process.env`. */
export const RUNNER_CONFIG = Symbol('RUNNER_CONFIG');

/** Injection token of the root pino logger (the sandbox logs outside any request). */
export const RUNNER_LOGGER = Symbol('RUNNER_LOGGER');

@Global()
@Module({})
export class RunnerConfigModule {
  static register(config: RunnerConfig, logger: Logger): DynamicModule {
    return {
      module: RunnerConfigModule,
      providers: [
        { provide: RUNNER_CONFIG, useValue: config },
        { provide: RUNNER_LOGGER, useValue: logger },
      ],
      exports: [RUNNER_CONFIG, RUNNER_LOGGER],
    };
  }
}
