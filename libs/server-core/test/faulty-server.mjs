// A server built like the API and the Runner (createHttpApp + installCrashPolicy + serve), with routes that
// fail the ways a bug would: the process-policy tests run it as a child process and watch what it does.
//   /throw   throws from a timer while serving the request (uncaughtException)
//   /reject  leaves a rejected promise unhandled (unhandledRejection)
//   /slow    answers the headers at once and the byte count once the client has sent the whole body
//   /hang    answers the headers and never the body
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { createHttpApp, createRootLogger, installCrashPolicy, serve } from '@extplat/server-core';

class EmptyModule {}
Module({})(EmptyModule);

const logger = createRootLogger({ level: 'info', service: 'faulty' });
installCrashPolicy(logger);
const app = await createHttpApp({
  module: EmptyModule,
  logger,
  configure: (nest) =>
    nest.use((req, res, next) => {
      if (req.url === '/throw') {
        setTimeout(() => {
          throw new Error('a bug in a timer');
        }, 0);
      } else if (req.url === '/reject') {
        void Promise.reject(new Error('a forgotten promise'));
      } else if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.flushHeaders();
        let bytes = 0;
        req.on('data', (chunk) => (bytes += chunk.length));
        req.on('end', () => res.end(String(bytes)));
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.flushHeaders();
      } else {
        next();
      }
    }),
});
const url = await serve(
  app,
  { host: '127.0.0.1', port: 0, shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 10_000) },
  logger,
);
logger.info({ url }, `faulty server listening on ${url}`);
