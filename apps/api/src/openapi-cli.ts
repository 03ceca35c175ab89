import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from './openapi.js';
import { createPreviewApp } from './preview-app.js';
import { API_VERSION } from './version.js';

/**
 * Writes (or with --check, compares against) the committed OpenAPI document. The module graph is built
 * in preview mode, so no database or store is needed.
 *   node apps/api/dist/openapi-cli.js [--check] [file]
 */
const args = process.argv.slice(2);
const check = args.includes('--check');
const file = args.find((arg) => !arg.startsWith('--')) ?? new URL('../openapi.json', import.meta.url).pathname;

const app = await createPreviewApp();
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
