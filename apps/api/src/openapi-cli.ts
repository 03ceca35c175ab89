import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from './app.module.js';
import { loadApiConfig } from './config/api-config.js';
import { buildOpenApiDocument } from './openapi.js';
import { API_VERSION } from './version.js';

/**
 * Writes (or with --check, compares against) the committed OpenAPI document. The module graph is built
 * in preview mode, so no database or store is needed.
 *   node apps/api/dist/openapi-cli.js [--check] [file]
 */
const args = process.argv.slice(2);
const check = args.includes('--check');
const file = args.find((arg) => !arg.startsWith('--')) ?? new URL('../openapi.json', import.meta.url).pathname;

// Placeholder values: preview mode instantiates nothing, but the module factory needs a typed config.
const config = loadApiConfig({
  DATABASE_URL: 'postgres://openapi@localhost/openapi',
  STORAGE_DRIVER: 'fs',
  STORAGE_FS_ROOT: '/nonexistent',
  SIGNING_POLICY: 'off',
  RUNNER_SHARED_SECRET: 'x'.repeat(32),
  EXT_SECRETS_KEY: `k1:${Buffer.alloc(32).toString('base64')}`,
  AUTH_JWT_SECRET: 'x'.repeat(32),
});
const app = await NestFactory.create(ApiModule.register(config), { preview: true, logger: false, abortOnError: false });
const document = `${JSON.stringify(buildOpenApiDocument(app, API_VERSION), null, 2)}\n`;
await app.close();

if (check) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing: reported below
  }
  if (committed !== document) {
    process.stderr.write(`${file} is out of date with the code: run npm run openapi:generate and commit the result\n`);
    process.exit(1);
  }
  process.stdout.write(`${file} matches the code\n`);
} else {
  writeFileSync(file, document);
  process.stdout.write(`wrote ${file}\n`);
}
