import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { bundleOf, componentImporting, leb128, manifestFor, validEntries, type RawEntry } from '@extplat/testing';
import { BundleError } from './errors.js';
import { inspectBundle, type InspectOptions } from './inspect.js';

const ALLOWED = [
  'extplat:extension/log@1.0.0',
  'extplat:extension/types@1.0.0',
  'wasi:io/poll@0.2.3',
  'wasi:clocks/wall-clock@0.2.3',
  'wasi:cli/stderr@0.2.3',
];
const CORE_MODULE = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** validEntries() with `dist/main.wasm` replaced, and `extra` entries after them. */
function withComponent(component: Buffer, extra: RawEntry[] = []): RawEntry[] {
  return [
    ...validEntries().map((entry) => (entry.name === 'dist/main.wasm' ? { ...entry, data: component } : entry)),
    ...extra,
  ];
}

function chunked(data: Buffer, size = 4096): AsyncIterable<Uint8Array> {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    })(),
  );
}

async function rejection(entries: RawEntry[], options: InspectOptions = {}): Promise<BundleError> {
  try {
    await inspectBundle(chunked(bundleOf(entries)), options);
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected the bundle to be rejected');
}

describe('inspectBundle on the entry component', () => {
  it('accepts a component that imports only the world and the allowed WASI interfaces', async () => {
    const result = await inspectBundle(chunked(bundleOf(withComponent(componentImporting(ALLOWED))), 100));
    expect(result.manifest.entry).toBe('dist/main.wasm');
  });

  it('refuses a component importing more, naming the imports and the entry', async () => {
    const component = componentImporting([...ALLOWED, 'wasi:cli/stdout@0.2.3', 'wasi:filesystem/types@0.2.3']);
    const error = await rejection(withComponent(component));
    expect(error.code).toBe('COMPONENT_IMPORTS_NOT_ALLOWED');
    expect(error.entry).toBe('dist/main.wasm');
    expect(error.details['imports']).toEqual(['wasi:cli/stdout@0.2.3', 'wasi:filesystem/types@0.2.3']);
    expect(error.message).toContain('wasi:cli/stdout@0.2.3, wasi:filesystem/types@0.2.3');
  });

  it.each([
    ['a core module', CORE_MODULE, 'NOT_A_COMPONENT'],
    ['a file that is not WebAssembly', Buffer.from('console.log("hi")'), 'NOT_A_COMPONENT'],
    ['an empty file', Buffer.alloc(0), 'NOT_A_COMPONENT'],
    ['a truncated component', componentImporting(ALLOWED).subarray(0, 30), 'INVALID_COMPONENT'],
    [
      'a component whose import section is over the cap',
      Buffer.concat([componentImporting([]), Buffer.from([0x0a]), leb128(2 * 1024 * 1024), Buffer.alloc(64)]),
      'INVALID_COMPONENT',
    ],
  ])('refuses %s as the entry', async (_case, component, code) => {
    const error = await rejection(withComponent(component));
    expect(error.code).toBe(code);
    expect(error.entry).toBe('dist/main.wasm');
  });

  it('judges only the entry: other WebAssembly files may be anything', async () => {
    const extra: RawEntry[] = [
      { name: 'ui/wasm/decoder.wasm', data: CORE_MODULE },
      { name: 'ui/wasm/broken.wasm', data: Buffer.from([0x00, 0x61, 0x73, 0x6d]) },
      { name: 'ui/wasm/other.wasm', data: componentImporting(['wasi:sockets/tcp@0.2.3']) },
    ];
    await expect(
      inspectBundle(chunked(bundleOf(withComponent(componentImporting(ALLOWED), extra)))),
    ).resolves.toBeDefined();
  });

  it('checks the entry whatever its name and wherever the manifest comes in the archive', async () => {
    const manifest = { name: 'manifest.json', data: JSON.stringify(manifestFor({ entry: 'bin/handler.component' })) };
    const ui = validEntries().filter((entry) => entry.name.startsWith('ui'));
    const good = [manifest, { name: 'bin/handler.component', data: componentImporting(ALLOWED) }, ...ui];
    await expect(inspectBundle(chunked(bundleOf(good)))).resolves.toBeDefined();
    const bad = [
      manifest,
      { name: 'bin/handler.component', data: componentImporting(['wasi:cli/environment@0.2.3']) },
      ...ui,
    ];
    const error = await rejection(bad);
    expect(error.code).toBe('COMPONENT_IMPORTS_NOT_ALLOWED');
    expect(error.entry).toBe('bin/handler.component');
  });

  it('refuses a manifest naming itself as the entry', async () => {
    const entries = validEntries({ entry: 'manifest.json' });
    expect((await rejection(entries)).code).toBe('NOT_A_COMPONENT');
  });

  it('leaves nothing behind when extracting a bundle whose component is refused', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'extplat-unpack-'));
    const error = await rejection(withComponent(componentImporting(['wasi:cli/stdout@0.2.3'])), {
      extractTo: join(parent, 'bundle'),
    });
    expect(error.code).toBe('COMPONENT_IMPORTS_NOT_ALLOWED');
    expect(readdirSync(parent)).toEqual([]);
    expect(existsSync(join(parent, 'bundle'))).toBe(false);
  });

  it('extracts the component byte for byte while reading its imports', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'extplat-unpack-'));
    const component = Buffer.concat([componentImporting(ALLOWED), Buffer.from([0x00, 0x03, 0x01, 0x61, 0x62])]);
    await inspectBundle(chunked(bundleOf(withComponent(component)), 7), { extractTo: join(parent, 'bundle') });
    expect(readFileSync(join(parent, 'bundle/dist/main.wasm')).equals(component)).toBe(true);
  });
});
