import type { INestApplication } from '@nestjs/common';
import express, { type RequestHandler } from 'express';
import { createHttpApp } from '@extplat/server-core';
import type { Logger } from 'pino';
import { ApiModule } from './app.module.js';
import type { ApiConfig } from './config/api-config.js';
import { serveConsole } from './console-static.js';
import { serveApiDocs } from './openapi.js';
import { API_VERSION } from './version.js';

/** A body parser for every route except the extension gateway's. */
function exceptGateway(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (req.path.startsWith('/api/ext/') ? next() : parser(req, res, next));
}

/** The API as a Nest application, not yet listening (tests listen on port 0). */
export function createApiApp(config: ApiConfig, logger: Logger): Promise<INestApplication> {
  return createHttpApp({
    module: ApiModule.register(config),
    logger,
    // The gateway passes request bodies to extensions byte for byte, so it must see them unparsed.
    bodyParser: false,
    configure: (app) => {
      // Which peers may name the client (X-Forwarded-For): the login throttle is charged to that address.
      (app.getHttpAdapter().getInstance() as express.Express).set('trust proxy', config.trustProxy);
      app.use(exceptGateway(express.json()), exceptGateway(express.urlencoded({ extended: true })));
      serveApiDocs(app, API_VERSION);
      if (config.console.distDir) serveConsole(app, config.console.distDir);
    },
  });
}
