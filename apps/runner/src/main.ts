import 'reflect-metadata';
import { createRootLogger, installCrashPolicy, loadConfigOrExit, serve } from '@extplat/server-core';
import { createRunnerApp } from './app.js';
import { loadRunnerConfig } from './config/runner-config.js';

const config = loadConfigOrExit('extplat-runner', loadRunnerConfig);
const logger = createRootLogger({ level: config.logLevel, service: 'runner' });
installCrashPolicy(logger);
const app = await createRunnerApp(config, logger);
const url = await serve(app, config.http, logger);
logger.info({ url, publicBase: config.publicBase, storage: config.storage.driver }, `Runner listening on ${url}`);
