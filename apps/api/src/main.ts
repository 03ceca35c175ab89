import 'reflect-metadata';
import { createRootLogger, installCrashPolicy, loadConfigOrExit, serve } from '@extplat/server-core';
import { createApiApp } from './app.js';
import { loadApiConfig } from './config/api-config.js';

const config = loadConfigOrExit('extplat-api', loadApiConfig);
const logger = createRootLogger({ level: config.logLevel, service: 'api' });
installCrashPolicy(logger);
const app = await createApiApp(config, logger);
const url = await serve(app, config.http, logger);
logger.info({ url, storage: config.storage.driver, signingPolicy: config.signing.policy }, `API listening on ${url}`);
