import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Version of what the Runner writes into a transpile directory (file names, meta.json, the glue's name).
 * Bump it whenever that layout or the transpile options change: every cached or shared output made under
 * another format is then ignored and made again.
 */
export const TRANSPILE_FORMAT = 1;

/** The package that turns a component into glue + core modules (see transpile-worker.ts). */
const TRANSPILER = '@bytecodealliance/jco-transpile';

function transpilerVersion(): string {
  // The package exports no `./package.json`: find it next to the resolved entry point (dist/index.js).
  const entry = createRequire(import.meta.url).resolve(TRANSPILER);
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    name?: unknown;
    version?: unknown;
  };
  if (manifest.name !== TRANSPILER || typeof manifest.version !== 'string') {
    throw new Error(`cannot read the version of ${TRANSPILER} next to ${entry}`);
  }
  return manifest.version;
}

/**
 * Names what produced a transpile output: the transpiler's version and the format version, e.g.
 * `jco-transpile-0.15.0.f1`. Disk cache entries and shared artifacts are kept per toolchain key, so a
 * Runner upgraded to another jco never loads output of the old one. (componentize-js builds components
 * before upload; it plays no part here, the component's bytes are already in the content hash.)
 */
export const TOOLCHAIN_KEY = `jco-transpile-${transpilerVersion().toLowerCase()}.f${TRANSPILE_FORMAT}`;
