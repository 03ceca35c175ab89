import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Paths that belong to the API itself and never fall back to the console's index.html. */
const API_PATHS = /^\/(?:api(?:\/|$)|healthz$|readyz$)/;

/**
 * Serves the built admin console: hashed assets with long caching, and index.html (never cached) for
 * any other GET that asks for HTML, so deep links into the single-page app work after a reload.
 */
export function serveConsole(app: INestApplication, distDir: string): void {
  const browserDir = existsSync(join(distDir, 'browser')) ? join(distDir, 'browser') : distDir;
  const indexFile = join(browserDir, 'index.html');
  if (!existsSync(indexFile))
    throw new Error(`CONSOLE_DIST_DIR has no index.html (looked in ${browserDir}); run npm run build:admin`);
  app.use(
    express.static(browserDir, {
      index: false,
      setHeaders: (res, path) => {
        res.setHeader(
          'cache-control',
          /-[A-Z0-9]{8}\.(?:js|css)$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || API_PATHS.test(req.path) || !req.accepts('html')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(indexFile);
  });
}
