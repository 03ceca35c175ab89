import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestStream } from './digest.js';

describe('digestStream', () => {
  it('hashes and counts a stream chunk by chunk', async () => {
    const chunks = [Buffer.from('zstd '), Buffer.alloc(100_000, 7), Buffer.from(' tail')];
    const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
    expect(await digestStream(Readable.from(chunks))).toEqual({ contentHash: `sha256:${expected}`, size: 100_010 });
  });

  it('gives the digest of nothing for an empty stream', async () => {
    expect(await digestStream(Readable.from([]))).toEqual({
      contentHash: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    });
  });
});
