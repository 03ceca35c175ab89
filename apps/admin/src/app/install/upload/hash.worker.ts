/// <reference lib="webworker" />
import { sha256OfBlob } from './sha256';

/** Messages of the hashing worker: `{file}` in; progress, then the hash or an error, out. */
export type HashWorkerMessage =
  { type: 'progress'; bytes: number } | { type: 'done'; contentHash: string } | { type: 'error'; message: string };

addEventListener('message', (event: MessageEvent<{ file: Blob }>) => {
  let last = 0;
  sha256OfBlob(event.data.file, (bytes) => {
    // A progress message per slice is plenty; the last one always goes out.
    if (bytes - last >= 8 * 1024 * 1024 || bytes === event.data.file.size) {
      last = bytes;
      postMessage({ type: 'progress', bytes } satisfies HashWorkerMessage);
    }
  })
    .then((contentHash) => postMessage({ type: 'done', contentHash } satisfies HashWorkerMessage))
    .catch((error: unknown) =>
      postMessage({
        type: 'error',
        message: error instanceof Error ? error.message : String(error),
      } satisfies HashWorkerMessage),
    );
});
