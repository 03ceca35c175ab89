import type { INestApplication } from '@nestjs/common';
import { createHttpApp } from '@extplat/server-core';
import type { Logger } from 'pino';
import { RunnerAppModule } from './app.module.js';
import type { RunnerConfig } from './config/runner-config.js';

/** The Runner as a Nest application, not yet listening (tests listen on port 0). */
export function createRunnerApp(config: RunnerConfig, logger: Logger): Promise<INestApplication> {
  return createHttpApp({ module: RunnerAppModule.register(config, logger), logger, bodyParser: false });
}
