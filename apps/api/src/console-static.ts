import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Paths that belong to the API itself and never fall back to the console's index.html. */
const API_PATHS = /^\/(?:api(?:\/|$)|healthz$|readyz$)/;

export interface ConsolePolicyOrigins {
  /** Where extension UIs are served (RUNNER_PUBLIC_BASE): the only origin the console frames. */
  runnerPublicBase: string;
  /** Origins the browser sends upload parts to (the bucket's public endpoint), besides the console's own. */
  uploadOrigins: readonly string[];
}

/**
 * The console's Content-Security-Policy: its own scripts only, no inline script, frames only from the
 * Runner's origin, and never framed itself. `style-src 'unsafe-inline'` is what Angular needs: it adds
 * each component's styles as a `<style>` element at run time (a nonce would need a per-request
 * index.html). docker/nginx/console.conf.template sends the same policy.
 */
export function consoleContentSecurityPolicy(origins: ConsolePolicyOrigins): string {
  const connect = ["'self'", ...origins.uploadOrigins.map((origin) => new URL(origin).origin)];
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    `frame-src ${new URL(origins.runnerPublicBase).origin}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on everything the console serves: its policy, no MIME sniffing, no referrer to other sites. */
function consoleSecurityHeaders(contentSecurityPolicy: string): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // For browsers older than frame-ancestors.
    'x-frame-options': 'DENY',
  };
}

/**
 * Serves the built admin console: hashed assets with long caching, and index.html (never cached) for
 * any other GET that asks for HTML, so deep links into the single-page app work after a reload. Every
 * answer carries the console's security headers.
 */
export function serveConsole(app: INestApplication, distDir: string, origins: ConsolePolicyOrigins): void {
  const browserDir = existsSync(join(distDir, 'browser')) ? join(distDir, 'browser') : distDir;
  const indexFile = join(browserDir, 'index.html');
  if (!existsSync(indexFile))
    throw new Error(`CONSOLE_DIST_DIR has no index.html (looked in ${browserDir}); run npm run build:admin`);
  const headers = Object.entries(consoleSecurityHeaders(consoleContentSecurityPolicy(origins)));
  app.use(
    express.static(browserDir, {
      index: false,
      setHeaders: (res, path) => {
        for (const [name, value] of headers) res.setHeader(name, value);
        res.setHeader(
          'cache-control',
          /-[A-Z0-9]{8}\.(?:js|css)$/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || API_PATHS.test(req.path) || !req.accepts('html')) return next();
    for (const [name, value] of headers) res.setHeader(name, value);
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(indexFile);
  });
}
