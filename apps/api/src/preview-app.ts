import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from './app.module.js';
import { loadApiConfig } from './config/api-config.js';

/**
 * The API's module graph without connecting to anything (Nest's preview mode instantiates no provider):
 * enough to read routes and generate the OpenAPI document. The config holds placeholders only.
 */
export function createPreviewApp(): Promise<INestApplication> {
  const config = loadApiConfig({
    DATABASE_URL: 'postgres://preview@localhost/preview',
    STORAGE_DRIVER: 'fs',
    STORAGE_FS_ROOT: '/nonexistent',
    SIGNING_POLICY: 'off',
    RUNNER_SHARED_SECRET: 'x'.repeat(32),
    EXT_SECRETS_KEY: `k1:${Buffer.alloc(32).toString('base64')}`,
    AUTH_JWT_SECRET: 'x'.repeat(32),
  });
  return NestFactory.create(ApiModule.register(config), { preview: true, logger: false, abortOnError: false });
}
