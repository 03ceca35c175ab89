import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { BodyLengthError, fixedSizeParts, listenedBody, withExactLength } from './body-streams.js';

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('withExactLength', () => {
  it('passes a body of the declared length through unchanged', async () => {
    const body = Readable.from([Buffer.from('abc'), Buffer.from('defg')]);
    expect((await drain(withExactLength(body, 7))).toString()).toBe('abcdefg');
  });

  it('fails a longer body as soon as it passes the declared length', async () => {
    const body = Readable.from([Buffer.from('abcdef'), Buffer.from('ghi')]);
    await expect(drain(withExactLength(body, 5))).rejects.toBeInstanceOf(BodyLengthError);
  });

  it('fails a shorter body when it ends', async () => {
    await expect(drain(withExactLength(Readable.from([Buffer.from('abc')]), 10))).rejects.toThrow(
      'body has 3 bytes, expected 10',
    );
  });

  it('reports the source failure', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('client went away'));
      },
    });
    await expect(drain(withExactLength(failing, 10))).rejects.toThrow('client went away');
  });
});

describe('listenedBody', () => {
  it('keeps a failure that happens before anyone reads, for the reader', async () => {
    const body = new PassThrough();
    const listened = listenedBody(body, undefined);
    body.destroy(new Error('failed early'));
    // Let the 'error' event go out: unheard, it would end the process.
    await nextTurn();
    if (!(listened instanceof Readable)) throw new Error('a stream was expected');
    await expect(drain(listened)).rejects.toThrow('failed early');
  });

  it('checks the length of streams and buffers when it is known', async () => {
    const stream = listenedBody(Readable.from([Buffer.from('abc')]), 2);
    if (!(stream instanceof Readable)) throw new Error('a stream was expected');
    await expect(drain(stream)).rejects.toBeInstanceOf(BodyLengthError);
    expect(() => listenedBody(Buffer.from('abc'), 2)).toThrow(BodyLengthError);
    expect(listenedBody(Buffer.from('abc'), 3)).toEqual(Buffer.from('abc'));
  });
});

describe('fixedSizeParts', () => {
  const collectSizes = async (chunks: Buffer[], partSize: number): Promise<{ sizes: number[]; bytes: Buffer }> => {
    const sizes: number[] = [];
    const copies: Buffer[] = [];
    for await (const part of fixedSizeParts(Readable.from(chunks), partSize)) {
      sizes.push(part.length);
      copies.push(Buffer.from(part)); // the part's buffer is reused for the next one
    }
    return { sizes, bytes: Buffer.concat(copies) };
  };

  it('cuts chunks of any size into full parts and a shorter last part, keeping the byte order', async () => {
    const data = Buffer.from(Array.from({ length: 23 }, (_, i) => i));
    const chunks = [data.subarray(0, 3), data.subarray(3, 4), data.subarray(4, 20), data.subarray(20)];
    const { sizes, bytes } = await collectSizes(chunks, 5);
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(bytes.equals(data)).toBe(true);
  });

  it('yields no short part when the stream ends on a part boundary, and nothing for an empty stream', async () => {
    expect((await collectSizes([Buffer.alloc(10)], 5)).sizes).toEqual([5, 5]);
    expect((await collectSizes([], 5)).sizes).toEqual([]);
  });

  it('reuses one buffer for every part', async () => {
    const memory = new Set<ArrayBufferLike>();
    const offsets = new Set<number>();
    for await (const part of fixedSizeParts(Readable.from([Buffer.alloc(12)]), 4)) {
      memory.add(part.buffer);
      offsets.add(part.byteOffset);
    }
    expect([memory.size, offsets.size]).toEqual([1, 1]);
  });

  it('destroys the source when the consumer stops early', async () => {
    const source = Readable.from([Buffer.alloc(4), Buffer.alloc(4), Buffer.alloc(4)]);
    for await (const part of fixedSizeParts(source, 4)) {
      expect(part.length).toBe(4);
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});
