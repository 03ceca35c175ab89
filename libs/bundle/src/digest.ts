import { createHash } from 'node:crypto';
import { contentHashFromHex, type ContentHash } from '@extplat/contracts';

/** Content hash and size of a byte stream, computed while it flows (nothing is buffered). */
export async function digestStream(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ contentHash: ContentHash; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { contentHash: contentHashFromHex(hash.digest('hex')), size };
}
