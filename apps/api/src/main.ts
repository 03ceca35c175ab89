import 'reflect-metadata';
import { createRootLogger, listen, loadConfigOrExit } from '@extplat/server-core';
import { createApiApp } from './app.js';
import { loadApiConfig } from './config/api-config.js';

const config = loadConfigOrExit('extplat-api', loadApiConfig);
const logger = createRootLogger({ level: config.logLevel, service: 'api' });
const app = await createApiApp(config, logger);
const url = await listen(app, config.http);
logger.info({ url, storage: config.storage.driver, signingPolicy: config.signing.policy }, `API listening on ${url}`);
