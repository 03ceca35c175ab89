import { beforeAll, describe, expect, it } from '@jest/globals';
import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { buildTestComponent, bundleOf, manifestFor } from '@extplat/testing';
import { ComponentImportReader } from './component-imports.js';
import { BundleError } from './errors.js';
import { inspectBundle } from './inspect.js';

const GUESTS = fileURLToPath(new URL('../../../apps/runner/test/guests/', import.meta.url));

/** A bundle whose entry, dist/main.wasm, is the given component. */
function bundleWith(component: Buffer): Buffer {
  return bundleOf([
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifestFor()) },
    { name: 'ui/index.html', data: '<!doctype html><title>Probe</title>' },
  ]);
}

async function importsOf(path: string): Promise<string[]> {
  const reader = new ComponentImportReader();
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) reader.push(chunk as Buffer);
  const scan = reader.end();
  if (scan.kind !== 'component') throw new Error(`${path} read as ${scan.kind}`);
  return scan.imports.map((entry) => entry.name);
}

describe('inspectBundle on components built by componentize-js', () => {
  let probePath: string;
  let wasiCliPath: string;

  beforeAll(async () => {
    // ~15 s each on a cache miss (cached under node_modules/.cache afterwards).
    [probePath, wasiCliPath] = await Promise.all([
      buildTestComponent(`${GUESTS}probe.js`),
      buildTestComponent(`${GUESTS}wasi-cli.js`, { disableFeatures: [] }),
    ]);
  }, 180_000);

  it('reads the top-level imports of the probe: the world, its two types and the allowed WASI interfaces', async () => {
    const imports = await importsOf(probePath);
    expect(imports).toEqual(
      expect.arrayContaining([
        'extplat:extension/log@1.0.0',
        'extplat:extension/types@1.0.0',
        'request',
        'response',
        expect.stringMatching(/^wasi:io\/poll@0\.2\.\d+$/),
        expect.stringMatching(/^wasi:cli\/stderr@0\.2\.\d+$/),
      ]),
    );
    expect(imports.filter((name) => /^wasi:(cli\/std(in|out)|filesystem|http)/.test(name))).toEqual([]);
  });

  it('accepts a bundle whose entry is the probe', async () => {
    const component = readFileSync(probePath);
    const result = await inspectBundle(Readable.from([bundleWith(component)]));
    expect(result.files.find((file) => file.path === 'dist/main.wasm')?.size).toBe(component.length);
  });

  it('refuses a bundle whose entry imports stdio, the filesystem and wasi:http, naming them', async () => {
    const error = await inspectBundle(Readable.from([bundleWith(readFileSync(wasiCliPath))])).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(BundleError);
    const refused = error as BundleError;
    expect(refused.code).toBe('COMPONENT_IMPORTS_NOT_ALLOWED');
    expect(refused.entry).toBe('dist/main.wasm');
    const imports = refused.details['imports'] as string[];
    for (const pattern of [
      /^wasi:cli\/stdout@/,
      /^wasi:cli\/stdin@/,
      /^wasi:filesystem\/types@/,
      /^wasi:http\/types@/,
    ]) {
      expect(imports).toContainEqual(expect.stringMatching(pattern));
    }
    expect(imports.filter((name) => /^(extplat:|wasi:io\/|wasi:clocks\/|wasi:cli\/stderr@)/.test(name))).toEqual([]);
  });
});
