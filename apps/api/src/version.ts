import { readFileSync } from 'node:fs';

/** The API's release version, from its package.json (one folder up from both src/ and dist/). */
export const API_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
