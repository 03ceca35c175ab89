import 'reflect-metadata';
import { createRootLogger, listen, loadConfigOrExit } from '@extplat/server-core';
import { createRunnerApp } from './app.js';
import { loadRunnerConfig } from './config/runner-config.js';

const config = loadConfigOrExit('extplat-runner', loadRunnerConfig);
const logger = createRootLogger({ level: config.logLevel, service: 'runner' });
const app = await createRunnerApp(config, logger);
const url = await listen(app, config.http);
logger.info({ url, publicBase: config.publicBase, storage: config.storage.driver }, `Runner listening on ${url}`);
