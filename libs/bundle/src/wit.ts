import { fileURLToPath } from 'node:url';

/** Folder of the WIT package `extplat:extension@1.0.0` (world `handler`) that components are built against. */
export const WIT_DIR = fileURLToPath(new URL('../wit', import.meta.url));
export const WIT_PACKAGE = 'extplat:extension@1.0.0';
export const WIT_WORLD = 'handler';
