import { Injectable } from '@angular/core';
import type { HashWorkerMessage } from './hash.worker';
import { sha256OfBlob } from './sha256';

/** Computes a file's content hash (`sha256:<hex>`) in a Web Worker, so the page stays responsive. */
@Injectable({ providedIn: 'root' })
export class FileHasher {
  hash(file: Blob, onProgress: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
    // Environments without workers (unit tests) hash on the main thread with the same code.
    if (typeof Worker === 'undefined') return sha256OfBlob(file, onProgress, signal);
    return new Promise<string>((resolve, reject) => {
      const worker = new Worker(new URL('./hash.worker', import.meta.url), { type: 'module' });
      const stop = () => {
        worker.terminate();
        reject(new DOMException('Hashing cancelled', 'AbortError'));
      };
      signal?.addEventListener('abort', stop, { once: true });
      worker.onmessage = ({ data }: MessageEvent<HashWorkerMessage>) => {
        switch (data.type) {
          case 'progress':
            onProgress(data.bytes);
            return;
          case 'done':
            resolve(data.contentHash);
            break;
          case 'error':
            reject(new Error(`Could not read the file: ${data.message}`));
            break;
        }
        signal?.removeEventListener('abort', stop);
        worker.terminate();
      };
      worker.onerror = (event) => {
        signal?.removeEventListener('abort', stop);
        worker.terminate();
        reject(new Error(`Could not read the file: ${event.message}`));
      };
      worker.postMessage({ file });
    });
  }
}
