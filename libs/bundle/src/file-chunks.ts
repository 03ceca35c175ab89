import { open } from 'node:fs/promises';

const CHUNK_BYTES = 1024 * 1024;

/**
 * A file's bytes in chunks that are views of one buffer, reused for every read: each chunk is valid only until
 * the next is asked for. Fit for {@link inspectBundle}, which is done with a chunk before it asks for the next;
 * createReadStream's fresh buffer per chunk costs an inspection about as much garbage collection as decoding
 * into fresh buffers did.
 */
export function readFileReusingBuffer(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Buffer> {
  return readFilesReusingBuffer([path], chunkBytes);
}

/** Several files one after the other, as one stream of chunks on one reused buffer (see above). */
export async function* readFilesReusingBuffer(
  paths: readonly string[],
  chunkBytes = CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(chunkBytes);
  for (const path of paths) {
    const handle = await open(path, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
        if (bytesRead === 0) break;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}
