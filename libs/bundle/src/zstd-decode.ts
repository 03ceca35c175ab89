import { createRequire } from 'node:module';
import { BundleError } from './errors.js';
import { ZSTD_WINDOW_LOG_MAX } from './limits.js';

// The native binding is a CommonJS module whose exports Node cannot see statically from ESM.
const binding = createRequire(import.meta.url)('zstd-napi/binding.js') as typeof import('zstd-napi/binding.js');

const OUTPUT_CHUNK = 1024 * 1024;

/**
 * zstd decoding that produces output only as fast as it is consumed. zstd-napi's DecompressStream
 * decodes a whole input chunk at once, and a few KiB of a bomb can expand to hundreds of MiB before any
 * downstream limit sees them; pulling one 1 MiB output chunk at a time keeps memory at one chunk.
 * The decoder's window is capped too, which bounds its own memory whatever a frame header asks for.
 *
 * Every chunk yielded is a view of the same output buffer, overwritten when the next one is asked for: the
 * caller must be done with a chunk (or copy it) before it resumes the loop. A fresh buffer per chunk cost
 * more than the decoding itself (new pages to fault in, and external memory that the garbage collector
 * answers with full collections).
 */
export async function* decodeZstd(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const context = new binding.DCtx();
  context.setParameter(binding.DParameter.windowLogMax, ZSTD_WINDOW_LOG_MAX);
  const target = Buffer.allocUnsafeSlow(OUTPUT_CHUNK);
  let inFrame = false;
  for await (const chunk of input) {
    let source = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      let result: [number, number, number];
      try {
        result = context.decompressStream(target, source);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new BundleError('CORRUPT_ARCHIVE', `the bundle's zstd data is corrupt: ${message}`);
      }
      const [remaining, produced, consumed] = result;
      source = source.subarray(consumed);
      if (produced > 0) yield target.subarray(0, produced);
      // Done with this input once it is used up and the decoder has nothing more to flush.
      if (source.length === 0 && (produced < target.length || remaining === 0)) {
        inFrame = remaining !== 0;
        break;
      }
    }
  }
  if (inFrame)
    throw new BundleError('TRUNCATED', 'the bundle ends in the middle of its compressed data (incomplete upload?)');
}
