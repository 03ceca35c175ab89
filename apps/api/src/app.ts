import type { INestApplication } from '@nestjs/common';
import type { Express, RequestHandler } from 'express';
import { bodyParsers, createHttpApp } from '@extplat/server-core';
import type { Logger } from 'pino';
import { ApiModule } from './app.module.js';
import type { ApiConfig } from './config/api-config.js';
import { type ConsolePolicyOrigins, serveConsole } from './console-static.js';
import { serveApiDocs } from './openapi.js';
import { API_VERSION } from './version.js';

/** Routes that read their own raw body: the extension gateway, and proxy upload parts (which say 415 for a
 * type that is not binary, rather than meeting a form parser's size cap first). */
function readsRawBody(path: string): boolean {
  return path.startsWith('/api/ext/') || path === '/api/ext-bundles/upload-proxy';
}

/** A body parser for every route except those that read their raw body. */
function exceptRawRoutes(parser: RequestHandler): RequestHandler {
  return (req, res, next) => (readsRawBody(req.path) ? next() : parser(req, res, next));
}

/** What the console's CSP must allow: framing the Runner, and browser uploads straight to the bucket. */
function consoleOrigins(config: ApiConfig): ConsolePolicyOrigins {
  const { storage } = config;
  let uploadOrigins: string[] = [];
  if (storage.driver === 's3') {
    const { publicEndpoint, bucket, region } = storage.s3;
    uploadOrigins = publicEndpoint
      ? [publicEndpoint]
      : [`https://${bucket}.s3.${region}.amazonaws.com`, `https://s3.${region}.amazonaws.com`];
  }
  return { runnerPublicBase: config.runner.publicBase, uploadOrigins };
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
      (app.getHttpAdapter().getInstance() as Express).set('trust proxy', config.trustProxy);
      app.use(...bodyParsers().map(exceptRawRoutes));
      serveApiDocs(app, API_VERSION);
      if (config.console.distDir) serveConsole(app, config.console.distDir, consoleOrigins(config));
    },
  });
}
