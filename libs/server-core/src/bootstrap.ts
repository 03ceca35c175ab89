import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import type { HttpConfig } from './config/index.js';
import { bodyParsers, checkUrlText } from './edge/index.js';
import { AllExceptionsFilter, createValidationPipe } from './errors/index.js';
import { PinoNestLogger, requestLoggingMiddleware } from './logging/index.js';

export interface HttpAppOptions {
  module: Type | DynamicModule;
  logger: Logger;
  /**
   * False when the app reads request bodies itself (the Runner verifies signatures over raw bytes);
   * otherwise JSON and form bodies are parsed with the edge's size, depth and text rules.
   */
  bodyParser?: boolean;
  /** Extra setup before listening (static files, CORS, docs). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/** Builds a Nest app with the cross-cutting parts registered once: logging, validation, errors, shutdown hooks. */
export async function createHttpApp(options: HttpAppOptions): Promise<INestApplication> {
  const app = await NestFactory.create(options.module, {
    logger: new PinoNestLogger(options.logger),
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  app.use(requestLoggingMiddleware(options.logger));
  app.use(checkUrlText());
  if (options.bodyParser ?? true) app.use(...bodyParsers());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  const express = app.getHttpAdapter().getInstance() as { disable(setting: string): void };
  express.disable('x-powered-by');
  await options.configure?.(app);
  return app;
}

/** Listens and returns the base URL actually bound (port 0 picks a free port). */
export async function listen(app: INestApplication, http: HttpConfig): Promise<string> {
  await app.listen(http.port, http.host);
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
