import type { INestApplication } from '@nestjs/common';
import { createHttpApp } from '@extplat/server-core';
import type { Logger } from 'pino';
import { ApiModule } from './app.module.js';
import type { ApiConfig } from './config/api-config.js';
import { serveConsole } from './console-static.js';
import { serveApiDocs } from './openapi.js';
import { API_VERSION } from './version.js';

/** The API as a Nest application, not yet listening (tests listen on port 0). */
export function createApiApp(config: ApiConfig, logger: Logger): Promise<INestApplication> {
  return createHttpApp({
    module: ApiModule.register(config),
    logger,
    configure: (app) => {
      serveApiDocs(app, API_VERSION);
      if (config.console.distDir) serveConsole(app, config.console.distDir);
    },
  });
}
