import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { BackgroundHash } from './background-hash.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function hashInChunks(bytes: Buffer, sizes: number[]): Promise<string> {
  const hash = new BackgroundHash();
  try {
    let at = 0;
    for (let index = 0; at < bytes.length; index++) {
      const size = sizes[index % sizes.length] ?? 1;
      await hash.update(bytes.subarray(at, at + size));
      at += size;
    }
    return await hash.digest();
  } finally {
    hash.close();
  }
}

describe('BackgroundHash', () => {
  it('gives the SHA-256 of nothing', async () => {
    expect(await hashInChunks(Buffer.alloc(0), [1])).toBe(sha256(Buffer.alloc(0)));
  });

  it.each([
    ['one byte at a time', 3000, [1]],
    ['chunks of exactly one slot', 4 * 256 * 1024, [256 * 1024]],
    ['odd chunks across slot borders', 3 * 1024 * 1024 + 17, [100_003, 7, 262_145]],
    ['one chunk larger than the whole ring', 5 * 1024 * 1024 + 1, [5 * 1024 * 1024 + 1]],
  ])('gives the SHA-256 of the bytes fed %s', async (_how, length, sizes) => {
    const bytes = randomBytes(length);
    expect(await hashInChunks(bytes, sizes)).toBe(sha256(bytes));
  });

  it('keeps concurrent hashes apart', async () => {
    const inputs = [randomBytes(3 * 1024 * 1024), randomBytes(1024 * 1024 + 5), randomBytes(10)];
    const digests = await Promise.all(inputs.map((bytes, index) => hashInChunks(bytes, [65_536 + index])));
    expect(digests).toEqual(inputs.map(sha256));
  });

  it('copies the bytes: changing a chunk after update does not change the hash', async () => {
    const chunk = Buffer.alloc(1000, 1);
    const hash = new BackgroundHash();
    await hash.update(chunk);
    chunk.fill(2);
    expect(await hash.digest()).toBe(sha256(Buffer.alloc(1000, 1)));
  });

  it('lets the process exit once every hash is finished or dropped', () => {
    // A hash still holding the worker would keep this child alive until the guard below kills it.
    const script = `
      const { BackgroundHash } = await import(${JSON.stringify(new URL('./background-hash.ts', import.meta.url).href)});
      const done = new BackgroundHash();
      await done.update(Buffer.from('abc'));
      console.log(await done.digest());
      const dropped = new BackgroundHash();
      await dropped.update(Buffer.from('abc'));
      dropped.close();
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '--experimental-strip-types', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(output.trim()).toBe(sha256(Buffer.from('abc')));
  });
});
