import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { HttpConfig } from './config/index.js';
import { bodyParsers, checkUrlText } from './edge/index.js';
import { AllExceptionsFilter, createValidationPipe } from './errors/index.js';
import { PinoNestLogger, requestLoggingMiddleware, type RequestLoggingOptions } from './logging/index.js';
import { currentRequestContext } from './logging/request-context.js';

export interface HttpAppOptions {
  module: Type | DynamicModule;
  logger: Logger;
  /**
   * False when the app reads request bodies itself (the Runner verifies signatures over raw bytes);
   * otherwise JSON and form bodies are parsed with the edge's size, depth and text rules.
   */
  bodyParser?: boolean;
  /** Paths whose successful requests are logged at debug only. */
  debugWhenPassing?: RequestLoggingOptions['debugWhenPassing'];
  /** Extra setup before listening (static files, CORS, docs). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Builds a Nest app with the cross-cutting parts registered once: logging, validation, errors. Signals are
 * not Nest's business here: {@link serve} drains requests first and then closes the app.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<INestApplication> {
  const app = await NestFactory.create(options.module, {
    logger: new PinoNestLogger(options.logger),
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.use(requestLoggingMiddleware(options.logger, { debugWhenPassing: options.debugWhenPassing }));
  app.use(checkUrlText());
  if (options.bodyParser ?? true) app.use(...bodyParsers());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  await options.configure?.(app);
  return app;
}

/** Listens and returns the base URL actually bound (port 0 picks a free port). */
export async function listen(app: INestApplication, http: Pick<HttpConfig, 'host' | 'port'>): Promise<string> {
  await app.listen(http.port, http.host);
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * The process policy of both servers. An `uncaughtException` or `unhandledRejection` means some state may
 * be broken (a half-written response, a leaked connection, a lock never released), so the process does not
 * try to carry on: it logs the error at `fatal`, with the request id when the failure happened while
 * serving a request, and exits with status 70 so that a supervisor (the embedded launcher, systemd,
 * Kubernetes) starts a fresh one. Expected failures never get here: they are domain errors answered by
 * the exception filter.
 */
export function installCrashPolicy(
  logger: Logger,
  exit: (status: number) => void = (status) => process.exit(status),
): void {
  const crash = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    const requestId = currentRequestContext()?.requestId;
    logger.fatal(
      { err: error, kind, ...(requestId ? { reqId: requestId } : {}) },
      `${kind}: ${error instanceof Error ? error.message : String(error)}; exiting so a supervisor restarts the process`,
    );
    exit(CRASH_EXIT_STATUS);
  };
  process.on('uncaughtException', crash('uncaughtException'));
  process.on('unhandledRejection', crash('unhandledRejection'));
}

/** EX_SOFTWARE: an internal error, distinct from a configuration error (78) and a clean stop (0). */
export const CRASH_EXIT_STATUS = 70;

/**
 * Listens, then stops gracefully on SIGTERM or SIGINT: the listening socket closes at once (new
 * connections are refused), requests in flight get up to `http.shutdownTimeoutMs` to finish, connections
 * still open after that are cut, and then the application closes (its shutdown hooks, the database pool)
 * and the process exits 0. A second signal during the drain exits at once. Resolves to the bound URL.
 */
export async function serve(app: INestApplication, http: HttpConfig, logger: Logger): Promise<string> {
  const server = app.getHttpServer() as Server;
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  const url = await listen(app, http);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, `${signal} again during shutdown; exiting now`);
      process.exit(1);
    }
    stopping = true;
    void drainAndClose(app, server, inFlight, http.shutdownTimeoutMs, logger, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return url;
}

async function drainAndClose(
  app: INestApplication,
  server: Server,
  inFlight: Set<ServerResponse>,
  timeoutMs: number,
  logger: Logger,
  signal: NodeJS.Signals,
): Promise<void> {
  logger.info(
    { signal, inFlight: inFlight.size, timeoutMs },
    `${signal}: refusing new connections, draining ${inFlight.size} request(s) in flight`,
  );
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections with no request in flight would otherwise hold the server open.
  server.closeIdleConnections();
  for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    Promise.all([...inFlight].map((response) => once(response, 'close'))).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!drained) {
    logger.warn(
      { cut: inFlight.size, timeoutMs },
      `${inFlight.size} request(s) still running after ${timeoutMs} ms; cutting them`,
    );
  }
  server.closeAllConnections();
  await closed;
  await app.close();
  logger.info('stopped');
}
