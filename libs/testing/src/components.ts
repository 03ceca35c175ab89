import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WIT_DIR, WIT_WORLD } from '@extplat/bundle';

/** WASI features componentize-js can leave out of a component. */
export type ComponentizeFeature = 'stdio' | 'random' | 'clocks' | 'http' | 'fetch-event';

/** The same features `extctl build` disables (apps/cli/src/commands/build.ts): no stdio, no own HTTP. */
const DEFAULT_DISABLED_FEATURES: readonly ComponentizeFeature[] = ['stdio', 'http', 'fetch-event'];

const CACHE_DIR = fileURLToPath(new URL('../../../node_modules/.cache/extplat-test-components/', import.meta.url));

const inflight = new Map<string, Promise<string>>();

export interface BuildTestComponentOptions {
  /** componentize-js features to disable; defaults to what `extctl build` disables. */
  disableFeatures?: readonly ComponentizeFeature[];
}

async function witDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(WIT_DIR)).filter((file) => file.endsWith('.wit')).sort()) {
    hash
      .update(name)
      .update('\0')
      .update(await readFile(join(WIT_DIR, name)))
      .update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds a guest JS module into a component against the platform's WIT world, like `extctl build`, and
 * returns the .wasm path. componentize-js takes 15-20 s (2 vCPU), so the result is cached under
 * node_modules/.cache/extplat-test-components/<sha256 of source, WIT and options>.wasm; it is written to a
 * temporary file and renamed, so jest workers building the same component at once do not see half a file.
 * Give the beforeAll that calls this a timeout of a minute or more.
 */
export async function buildTestComponent(sourcePath: string, options: BuildTestComponentOptions = {}): Promise<string> {
  const disableFeatures = [...(options.disableFeatures ?? DEFAULT_DISABLED_FEATURES)];
  const source = await readFile(sourcePath);
  const key = createHash('sha256')
    .update(source)
    .update('\0')
    .update(await witDigest())
    .update('\0')
    .update(JSON.stringify({ world: WIT_WORLD, disableFeatures }))
    .digest('hex');
  const target = join(CACHE_DIR, `${key}.wasm`);
  if ((await stat(target).catch(() => null))?.isFile()) return target;
  let flight = inflight.get(target);
  if (!flight) {
    flight = componentizeTo(sourcePath, target, disableFeatures).finally(() => inflight.delete(target));
    inflight.set(target, flight);
  }
  return flight;
}

async function componentizeTo(
  sourcePath: string,
  target: string,
  disableFeatures: ComponentizeFeature[],
): Promise<string> {
  // Loaded on demand: large, and only needed on a cache miss.
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const { component } = await componentize({
    sourcePath,
    witPath: WIT_DIR,
    worldName: WIT_WORLD,
    disableFeatures,
  });
  await mkdir(CACHE_DIR, { recursive: true });
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, component);
    await rename(temp, target);
  } finally {
    await rm(temp, { force: true });
  }
  return target;
}
