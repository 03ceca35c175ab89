import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { bundleOf, rawTar, validEntries, zstd, type RawEntry } from '@extplat/testing';
import { CompressStream } from 'zstd-napi';
import { BundleError, type BundleErrorCode } from './errors.js';
import { inspectBundle, type InspectOptions } from './inspect.js';
import type { BundleLimits } from './limits.js';

/** Feeds a buffer in small chunks, as a network stream would. */
function chunked(data: Buffer, size = 4096): AsyncIterable<Uint8Array> {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
    })(),
  );
}

async function rejection(data: Buffer | AsyncIterable<Uint8Array>, options: InspectOptions = {}): Promise<BundleError> {
  const source = Buffer.isBuffer(data) ? chunked(data) : data;
  try {
    await inspectBundle(source, options);
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected the bundle to be rejected');
}

const withEntry = (extra: RawEntry): Buffer => bundleOf([...validEntries(), extra]);

describe('inspectBundle on a valid bundle', () => {
  it('computes hash, sizes, files and the validated manifest in one pass', async () => {
    const bundle = bundleOf(validEntries());
    const progress: number[] = [];
    const result = await inspectBundle(chunked(bundle, 7), { onProgress: (p) => progress.push(p.entries) });
    expect(result.contentHash).toBe(`sha256:${createHash('sha256').update(bundle).digest('hex')}`);
    expect(result.size).toBe(bundle.length);
    expect(result.files.map((file) => file.path)).toEqual(['dist/main.wasm', 'manifest.json', 'ui/index.html']);
    expect(result.entryCount).toBe(5);
    expect(result.unpackedSize).toBe(result.files.reduce((sum, file) => sum + file.size, 0));
    expect(result.manifest).toMatchObject({
      name: 'com.example.tickets',
      entry: 'dist/main.wasm',
      ui: { entry: 'ui/index.html' },
    });
    expect(progress.at(-1)).toBe(5);
  });

  it('extracts into a new directory with normalised modes, and only when everything is valid', async () => {
    const target = join(mkdtempSync(join(tmpdir(), 'extplat-unpack-')), 'bundle');
    const entries = validEntries().map((entry) =>
      entry.name === 'dist/main.wasm' ? { ...entry, mode: 0o4777 } : entry,
    );
    await inspectBundle(chunked(bundleOf(entries)), { extractTo: target });
    expect(readFileSync(join(target, 'ui/index.html'), 'utf8')).toContain('<title>Tickets</title>');
    expect(statSync(join(target, 'dist/main.wasm')).mode & 0o7777).toBe(0o755);
    expect(statSync(join(target, 'manifest.json')).mode & 0o7777).toBe(0o644);
  });

  it('leaves neither the target nor a partial directory behind when a late entry is refused', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'extplat-unpack-'));
    const error = await rejection(withEntry({ name: 'zz/link', type: 'symlink', linkname: '/etc/passwd' }), {
      extractTo: join(parent, 'bundle'),
    });
    expect(error.code).toBe('UNSUPPORTED_ENTRY_TYPE');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses to replace an existing directory', async () => {
    const target = mkdtempSync(join(tmpdir(), 'extplat-unpack-'));
    const error = await rejection(bundleOf([...validEntries(), { name: 'zz.txt', data: 'x' }]), { extractTo: target });
    expect(error.code).toBe('TARGET_EXISTS');
    expect(existsSync(join(target, 'manifest.json'))).toBe(false);
  });
});

describe('inspectBundle on hostile archives', () => {
  const small: Partial<BundleLimits> = { maxUnpackedBytes: 1024 * 1024, maxEntries: 50 };
  // Each row: what it is, how to build it, the code, the entry named (if any), and tighter limits (if any).
  const rows: [string, () => Buffer, BundleErrorCode, (string | undefined)?, Partial<BundleLimits>?][] = [
    ['absolute path', () => withEntry({ name: '/etc/cron.d/x', data: 'x' }), 'UNSAFE_PATH', '/etc/cron.d/x'],
    ['parent traversal', () => withEntry({ name: 'ui/../../escape', data: 'x' }), 'UNSAFE_PATH', 'ui/../../escape'],
    ['dot segment', () => withEntry({ name: 'ui/./a', data: 'x' }), 'UNSAFE_PATH', 'ui/./a'],
    ['empty segment', () => withEntry({ name: 'ui//a', data: 'x' }), 'UNSAFE_PATH', 'ui//a'],
    ['backslash', () => withEntry({ name: 'ui\\..\\evil', data: 'x' }), 'UNSAFE_PATH', 'ui\\..\\evil'],
    [
      'NUL in a PAX path',
      () => withEntry({ name: 'ui/a\0.html', data: 'x', paxName: true }),
      'UNSAFE_PATH',
      'ui/a\\u0000.html',
    ],
    [
      'symlink',
      () => withEntry({ name: 'ui/link', type: 'symlink', linkname: '/etc/passwd' }),
      'UNSUPPORTED_ENTRY_TYPE',
      'ui/link',
    ],
    [
      'hardlink',
      () => withEntry({ name: 'ui/hard', type: 'hardlink', linkname: 'manifest.json' }),
      'UNSUPPORTED_ENTRY_TYPE',
      'ui/hard',
    ],
    [
      'character device',
      () => withEntry({ name: 'dev-null', type: 'char-device' }),
      'UNSUPPORTED_ENTRY_TYPE',
      'dev-null',
    ],
    ['block device', () => withEntry({ name: 'sda', type: 'block-device' }), 'UNSUPPORTED_ENTRY_TYPE', 'sda'],
    ['FIFO', () => withEntry({ name: 'pipe', type: 'fifo' }), 'UNSUPPORTED_ENTRY_TYPE', 'pipe'],
    ['duplicate name', () => withEntry({ name: 'ui/index.html', data: 'again' }), 'DUPLICATE_ENTRY', 'ui/index.html'],
    [
      'case-folded duplicate',
      () => withEntry({ name: 'UI/Index.HTML', data: 'again' }),
      'DUPLICATE_ENTRY',
      'UI/Index.HTML',
    ],
    [
      'file used as a directory',
      () => withEntry({ name: 'manifest.json/x', data: 'x' }),
      'DUPLICATE_ENTRY',
      'manifest.json/x',
    ],
    [
      'path over 255 bytes',
      () => withEntry({ name: `ui/${'a'.repeat(300)}`, data: 'x', paxName: true }),
      'PATH_TOO_LONG',
      undefined,
    ],
    [
      'too many entries',
      () =>
        bundleOf([...validEntries(), ...Array.from({ length: 60 }, (_, i) => ({ name: `ui/f${i}.txt`, data: 'x' }))]),
      'TOO_MANY_ENTRIES',
      undefined,
      small,
    ],
    [
      'file bigger than the unpacked cap',
      () => withEntry({ name: 'ui/big.bin', data: Buffer.alloc(2 * 1024 * 1024) }),
      'UNPACKED_TOO_LARGE',
      'ui/big.bin',
      small,
    ],
    [
      'oversize manifest',
      () =>
        bundleOf([
          ...validEntries().filter((e) => e.name !== 'manifest.json'),
          { name: 'manifest.json', data: ' '.repeat(2048) },
        ]),
      'MANIFEST_TOO_LARGE',
      'manifest.json',
      { maxManifestBytes: 1024 },
    ],
    [
      'missing manifest',
      () => bundleOf(validEntries().filter((e) => e.name !== 'manifest.json')),
      'MANIFEST_MISSING',
      'manifest.json',
    ],
    [
      'manifest entry missing from the archive',
      () => bundleOf(validEntries().filter((e) => e.name !== 'dist/main.wasm')),
      'INVALID_MANIFEST',
      'manifest.json',
    ],
    ['not zstd', () => rawTar(validEntries()), 'NOT_ZSTD', undefined],
    ['empty input', () => Buffer.alloc(0), 'NOT_ZSTD', undefined],
    [
      'truncated zstd',
      () => {
        const b = bundleOf(validEntries());
        return b.subarray(0, b.length - 20);
      },
      'TRUNCATED',
      undefined,
    ],
    [
      'truncated tar inside valid zstd',
      () => zstd(rawTar(validEntries(), { endMarker: false }).subarray(0, 1500)),
      'TRUNCATED',
      undefined,
    ],
    [
      'zstd frame with garbage',
      () => {
        const b = Buffer.from(bundleOf(validEntries()));
        b.fill(0x5a, 12, 40);
        return b;
      },
      'CORRUPT_ARCHIVE',
      undefined,
    ],
    [
      'tar header with a bad checksum',
      () => {
        const t = rawTar(validEntries());
        t[0] = 0x41;
        return zstd(t);
      },
      'CORRUPT_ARCHIVE',
      undefined,
    ],
    ['compressed size over the limit', () => bundleOf(validEntries()), 'BUNDLE_TOO_LARGE', undefined, { maxBytes: 64 }],
  ];

  // As objects: given positional rows of different lengths, jest would take a missing fifth value for `done`.
  const cases = rows.map(([name, build, code, entry, limits]) => ({ name, build, code, entry, limits }));

  it.each(cases)('rejects $name', async ({ build, code, entry, limits }) => {
    const error = await rejection(build(), { limits });
    expect(error.code).toBe(code);
    if (entry !== undefined) expect(error.entry).toBe(entry);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('reports the manifest issues with their paths', async () => {
    const error = await rejection(bundleOf(validEntries({ version: '1.0', capabilities: ['cap:root'] })));
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.details['issues']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'version' }),
        expect.objectContaining({ path: 'capabilities[0]' }),
      ]),
    );
  });

  it('stops a decompression bomb at the cap, quickly and in bounded memory', async () => {
    // One declared-small file followed by 256 MiB of zero blocks: a few hundred KiB compressed.
    const head = rawTar(validEntries(), { endMarker: false });
    const zeros = Buffer.alloc(1024 * 1024);
    const compressed = Readable.from(
      (function* () {
        yield head;
        for (let i = 0; i < 256; i++) yield zeros;
      })(),
    ).pipe(new CompressStream({ compressionLevel: 3 }));
    const started = Date.now();
    const before = process.memoryUsage().rss;
    const error = await rejection(compressed, { limits: { maxUnpackedBytes: 4 * 1024 * 1024, maxEntries: 100 } });
    expect(error.code).toBe('UNPACKED_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
  });

  it('passes the source stream error through untouched', async () => {
    const failing = Readable.from(
      (function* () {
        yield bundleOf(validEntries()).subarray(0, 10);
        throw new Error('connection reset by S3');
      })(),
    );
    await expect(inspectBundle(failing)).rejects.toThrow('connection reset by S3');
  });
});
