import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleOf, validEntries } from '@extplat/testing';
import { readFileReusingBuffer, readFilesReusingBuffer } from './file-chunks.js';
import { inspectBundle } from './inspect.js';

const work = mkdtempSync(join(tmpdir(), 'extplat-file-chunks-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('readFileReusingBuffer', () => {
  it('yields every byte in order, each chunk a view of the same buffer', async () => {
    const data = randomBytes(2500);
    const file = join(work, 'data.bin');
    writeFileSync(file, data);
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of readFileReusingBuffer(file, 1000)) {
      copies.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    expect(copies.map((copy) => copy.length)).toEqual([1000, 1000, 500]);
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    expect(buffers.size).toBe(1);
  });

  it('is a source inspectBundle reads to the same result as a read stream', async () => {
    const bundle = bundleOf(validEntries());
    const file = join(work, 'bundle.tar.zst');
    writeFileSync(file, bundle);
    // Chunks far smaller than the bundle, so the buffer is overwritten many times during one inspection.
    const reused = await inspectBundle(readFileReusingBuffer(file, 97));
    const streamed = await inspectBundle(createReadStream(file, { highWaterMark: 97 }));
    expect(reused).toEqual(streamed);
    expect(reused.contentHash).toBe(`sha256:${createHash('sha256').update(bundle).digest('hex')}`);
  });

  it('passes a missing file on as the file system reported it', async () => {
    await expect(inspectBundle(readFileReusingBuffer(join(work, 'missing.tar.zst')))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});

describe('readFilesReusingBuffer', () => {
  it('reads files one after the other on one buffer, chunks never spanning two files', async () => {
    const parts = [randomBytes(1500), randomBytes(0), randomBytes(999)];
    const files = parts.map((part, index) => {
      const file = join(work, `part-${index}`);
      writeFileSync(file, part);
      return file;
    });
    const copies: Buffer[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of readFilesReusingBuffer(files, 1000)) {
      copies.push(Buffer.from(chunk));
      buffers.add(chunk.buffer);
    }
    expect(copies.map((copy) => copy.length)).toEqual([1000, 500, 999]);
    expect(Buffer.concat(copies).equals(Buffer.concat(parts))).toBe(true);
    expect(buffers.size).toBe(1);
  });

  it('inspects a bundle split into parts as the whole file', async () => {
    const bundle = bundleOf(validEntries());
    const files = [0, 1, 2].map((index) => {
      const file = join(work, `bundle-part-${index}`);
      const third = Math.ceil(bundle.length / 3);
      writeFileSync(file, bundle.subarray(index * third, (index + 1) * third));
      return file;
    });
    const whole = join(work, 'bundle-whole.tar.zst');
    writeFileSync(whole, bundle);
    expect(await inspectBundle(readFilesReusingBuffer(files, 101))).toEqual(
      await inspectBundle(readFileReusingBuffer(whole, 101)),
    );
  });
});
