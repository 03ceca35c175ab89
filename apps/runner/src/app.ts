import type { INestApplication } from '@nestjs/common';
import { RUNNER_EXECUTE_PATH } from '@extplat/contracts';
import { createHttpApp } from '@extplat/server-core';
import type { Logger } from 'pino';
import { RunnerAppModule } from './app.module.js';
import type { RunnerConfig } from './config/runner-config.js';

/** The Runner as a Nest application, not yet listening (tests listen on port 0). */
export function createRunnerApp(config: RunnerConfig, logger: Logger): Promise<INestApplication> {
  return createHttpApp({
    module: RunnerAppModule.register(config, logger),
    logger,
    bodyParser: false,
    // Every execute call is in the API's request log under the same request id; failures stay warnings.
    debugWhenPassing: [RUNNER_EXECUTE_PATH],
    // Express would hash every execute answer for an ETag nobody revalidates (the gateway never sends
    // If-None-Match); extension UI files set their own (ExtUiHandler).
    configure: (app) =>
      (app.getHttpAdapter().getInstance() as { set(setting: string, value: unknown): void }).set('etag', false),
  });
}
