import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { BundleError } from './errors.js';
import { TarWalker, type TarEntryHeader } from './tar-walk.js';

const work = mkdtempSync(join(tmpdir(), 'extplat-tar-walk-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Listed {
  name: string;
  type: TarEntryHeader['type'];
  size: number;
  mode: number;
  sha256: string;
}

/** The walker's reading, fed in chunks of `chunkBytes` copied into one reused buffer (as inspect decodes). */
function walk(archive: Buffer, chunkBytes: number): Listed[] {
  const walker = new TarWalker();
  const buffer = Buffer.alloc(chunkBytes);
  const listed: Listed[] = [];
  let hash = createHash('sha256');
  let current: Omit<Listed, 'sha256'> | undefined;
  for (let offset = 0; offset < archive.length; offset += chunkBytes) {
    const length = archive.copy(buffer, 0, offset, offset + chunkBytes);
    for (const event of walker.take(buffer.subarray(0, length))) {
      if (event.kind === 'entry') {
        const { name, type, size, mode } = event.header;
        current = { name, type, size, mode };
        hash = createHash('sha256');
      } else if (event.kind === 'data') {
        hash.update(event.bytes);
      } else {
        listed.push({ ...(current as Omit<Listed, 'sha256'>), sha256: hash.digest('hex') });
      }
    }
  }
  walker.finish();
  return listed;
}

/** tar-stream's reading, which inspect relied on before the walker named the entries itself. */
async function tarStream(archive: Buffer): Promise<Listed[]> {
  const extract = tar.extract();
  extract.end(archive);
  const listed: Listed[] = [];
  for await (const entry of extract) {
    const hash = createHash('sha256');
    for await (const chunk of entry as AsyncIterable<Buffer>) hash.update(chunk);
    const { name, type, size, mode } = entry.header;
    listed.push({ name, type, size: size ?? 0, mode: mode ?? 0, sha256: hash.digest('hex') });
  }
  return listed;
}

/** A tree with a name too long for a plain ustar name field, an executable, an empty file and a directory. */
function tree(): { root: string; paths: string[] } {
  const root = join(work, 'tree');
  const deep = `ui/${'d'.repeat(60)}/${'e'.repeat(60)}`;
  mkdirSync(join(root, deep), { recursive: true });
  writeFileSync(join(root, 'manifest.json'), '{}');
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  writeFileSync(join(root, 'empty.txt'), '');
  writeFileSync(join(root, deep, `${'f'.repeat(80)}.bin`), Buffer.alloc(1500, 0x61));
  return { root, paths: ['manifest.json', 'run.sh', 'empty.txt', 'ui', `${deep}/${'f'.repeat(80)}.bin`] };
}

describe('TarWalker', () => {
  const { root, paths } = tree();
  const gnuTar = (format: string, names = paths): Buffer =>
    execFileSync('tar', [`--format=${format}`, '--no-recursion', '-cf', '-', '-C', root, ...names]);

  it.each(['gnu', 'ustar', 'pax'])(
    'reads a GNU tar archive in %s format as tar-stream did, whatever the chunking',
    async (format) => {
      const archive = gnuTar(format);
      const expected = await tarStream(archive);
      expect(expected.map((entry) => entry.name)).toEqual(['manifest.json', 'run.sh', 'empty.txt', 'ui/', paths[4]]);
      for (const chunkBytes of [1, 97, 512, 4096, archive.length]) expect(walk(archive, chunkBytes)).toEqual(expected);
      expect(walk(archive, 333).find((entry) => entry.name === 'run.sh')?.mode).toBe(0o755);
    },
  );

  it('refuses a header in neither ustar nor GNU format, as tar-stream did', async () => {
    // v7 has no room for the long name: the short ones are enough to make headers without a magic number.
    const archive = gnuTar('v7', paths.slice(0, 4));
    await expect(tarStream(archive)).rejects.toThrow(/unknown format/);
    expect(() => walk(archive, 4096)).toThrow(BundleError);
    expect(() => walk(archive, 4096)).toThrow(/unknown format/);
  });

  it('refuses two PAX headers before one entry, which readers combine differently', () => {
    const archive = gnuTar('pax', [paths[4] as string]);
    expect(String.fromCharCode(archive[156] ?? 0)).toBe('x');
    const extended = 512 + Math.ceil(parseInt(archive.toString('latin1', 124, 136), 8) / 512) * 512;
    expect(() => walk(archive, 512)).not.toThrow();
    const doubled = Buffer.concat([archive.subarray(0, extended), archive]);
    expect(() => walk(doubled, 512)).toThrow(/two PAX headers/);
  });

  it('calls an archive cut inside a header, an entry or its padding truncated', () => {
    const archive = gnuTar('gnu');
    for (const cut of [100, 512 + 1, 512 + 2, 1024 + 100]) {
      const walker = new TarWalker();
      walker.take(Buffer.from(archive.subarray(0, cut)));
      let error: unknown;
      try {
        walker.finish();
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'TRUNCATED' });
    }
  });

  it('passes an archive that ends between entries or after its end block', () => {
    const archive = gnuTar('gnu');
    expect(() => walk(archive.subarray(0, 1024), 512)).not.toThrow();
    expect(walk(archive, 512)).toHaveLength(5);
  });

  it('hands out views of the chunk it was given, not copies', () => {
    const bytes = gnuTar('gnu');
    const views = new TarWalker().take(bytes).filter((event) => event.kind === 'data');
    expect(views.length).toBeGreaterThan(0);
    for (const view of views) expect(view.kind === 'data' && view.bytes.buffer).toBe(bytes.buffer);
  });
});
