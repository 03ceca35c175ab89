import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestFor } from '@extplat/testing';
import { BundleError } from './errors.js';
import { inspectBundle } from './inspect.js';
import { listTree, packFilesToFile } from './pack.js';

const FILES: Record<string, string> = {
  'manifest.json': JSON.stringify(manifestFor()),
  // An empty component with one custom section ("note") holding the text.
  'dist/main.wasm': '\0asm\x0d\0\x01\0\0\x14\x04notecomponent bytes',
  'ui/index.html': '<!doctype html><title>Tickets</title>',
  'ui/assets/app.js': 'console.log("hi")',
  'ui/assets/z-last.css': 'body{}',
};

/** Writes the tree in the given order with the given mtime, as different checkouts would. */
function writeTree(order: string[], mtimeSeconds: number): string {
  const root = mkdtempSync(join(tmpdir(), 'extplat-pack-'));
  for (const path of order) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), FILES[path] ?? '');
    utimesSync(join(root, path), mtimeSeconds, mtimeSeconds);
  }
  return root;
}

async function pack(root: string): Promise<{ file: string; contentHash: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'extplat-out-')), 'bundle.tar.zst');
  const { contentHash } = await packFilesToFile(root, await listTree(root), file);
  return { file, contentHash };
}

describe('deterministic pack', () => {
  it('gives the same bytes for the same tree, whatever mtimes and creation order', async () => {
    const paths = Object.keys(FILES);
    const first = await pack(writeTree(paths, 1_600_000_000));
    const second = await pack(writeTree([...paths].reverse(), 1_700_000_123));
    expect(second.contentHash).toBe(first.contentHash);
    expect(readFileSync(second.file).equals(readFileSync(first.file))).toBe(true);
  });

  it('changes the hash when a byte or the executable bit changes', async () => {
    const paths = Object.keys(FILES);
    const base = await pack(writeTree(paths, 0));
    const edited = writeTree(paths, 0);
    writeFileSync(join(edited, 'ui/index.html'), '<!doctype html><title>Tickets!</title>');
    expect((await pack(edited)).contentHash).not.toBe(base.contentHash);
    const executable = writeTree(paths, 0);
    chmodSync(join(executable, 'dist/main.wasm'), 0o755);
    expect((await pack(executable)).contentHash).not.toBe(base.contentHash);
  });

  it('writes a standard archive with fixed owners, times and modes', async () => {
    const { file } = await pack(writeTree(Object.keys(FILES), 1_650_000_000));
    const listing = execFileSync('tar', ['--zstd', '--numeric-owner', '-tvf', file], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(listing.map((line) => line.split(/\s+/).at(-1))).toEqual([
      'dist/',
      'dist/main.wasm',
      'manifest.json',
      'ui/',
      'ui/assets/',
      'ui/assets/app.js',
      'ui/assets/z-last.css',
      'ui/index.html',
    ]);
    for (const line of listing) {
      expect(line).toMatch(/^(drwxr-xr-x|-rw-r--r--) 0\/0 .* 1970-01-01 00:00 /);
    }
  });

  it('reads back what it packed', async () => {
    const { file, contentHash } = await pack(writeTree(Object.keys(FILES), 0));
    const inspected = await inspectBundle(createReadStream(file));
    expect(inspected.contentHash).toBe(contentHash);
    expect(inspected.files.map((f) => [f.path, f.size])).toEqual(
      Object.keys(FILES)
        .sort()
        .map((path) => [path, Buffer.byteLength(FILES[path] ?? '')]),
    );
  });

  it('refuses symbolic links in the tree', async () => {
    const root = writeTree(Object.keys(FILES), 0);
    symlinkSync('/etc/passwd', join(root, 'ui/passwd'));
    await expect(listTree(root)).rejects.toMatchObject({
      code: 'UNSUPPORTED_ENTRY_TYPE',
      details: { entry: 'ui/passwd' },
    });
  });

  it('refuses file names that differ only by case', async () => {
    const root = writeTree(Object.keys(FILES), 0);
    writeFileSync(join(root, 'ui/INDEX.html'), 'x');
    const error = await pack(root).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BundleError);
    expect(error).toMatchObject({ code: 'DUPLICATE_ENTRY' });
  });
});
