import type { paths, PresignedPart, UploadedPart, UploadStrategy } from '@extplat/api-client';
import { apiFailure } from '../api/api-errors.js';
import type { ApiClient } from '../api/api-client.js';
import {
  abortReason,
  backoffDelay,
  isAbortError,
  isNetworkError,
  isRetryableStatus,
  sleep,
  type RetryPolicy,
} from '../api/retry.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { partRange } from '@extplat/contracts';
import { putFileRange, type PutTarget } from './part-transfer.js';
import type { TransferMeter } from './transfer-meter.js';

/**
 * Parts go through the API by a streamed PUT (node:http, for progress and backpressure), not through the
 * generated client, which would need the whole part as its body; the path is still checked against it.
 */
const PROXY_PART_PATH = '/api/ext-bundles/upload-proxy' satisfies keyof paths;

/** The API presigns at most this many parts per call. */
export const MAX_PRESIGN_BATCH = 100;
/** A URL this close to its expiry is not used: the part might not finish in time. */
const URL_MARGIN_MS = 60_000;
/** Fresh URLs asked for one part after S3 answered 403, before the 403 is taken as final. */
const MAX_URL_REFRESHES = 2;

/**
 * Presigned part URLs, asked for in batches ahead of the parts that need them (one API call per batch
 * rather than per part), and asked for again when one has expired or S3 refused it.
 */
export class PresignedUrlPool {
  private readonly entries = new Map<number, Promise<PresignedPart>>();

  constructor(
    private readonly client: ApiClient,
    private readonly uploadId: string,
    /** The parts to send, in the order the workers take them: a batch covers the next ones. */
    private readonly order: readonly number[],
    private readonly batchSize: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(partNumber: number): Promise<PresignedPart> {
    const pending = this.entries.get(partNumber);
    if (pending) {
      const part = await pending;
      if (Date.parse(part.expiresAt) - this.now() > URL_MARGIN_MS) return part;
      this.entries.delete(partNumber);
    }
    return this.request(partNumber);
  }

  /** Forgets a part's URL, so that the next get asks for a fresh one. */
  invalidate(partNumber: number): void {
    this.entries.delete(partNumber);
  }

  private request(partNumber: number): Promise<PresignedPart> {
    const start = this.order.indexOf(partNumber);
    const following = start < 0 ? [] : this.order.slice(start + 1).filter((number) => !this.entries.has(number));
    const batch = [partNumber, ...following].slice(0, Math.min(this.batchSize, MAX_PRESIGN_BATCH));
    const response = this.client.call(
      'presigning part URLs',
      (client, init) =>
        client.POST('/api/ext-bundles/uploads/{uploadId}/parts', {
          ...init,
          params: { path: { uploadId: this.uploadId } },
          body: { partNumbers: batch },
        }),
      { retry: true },
    );
    for (const number of batch) {
      const entry = response.then((body) => {
        const part = body.parts.find((candidate) => candidate.partNumber === number);
        if (!part) throw new CliError(ExitCode.FAILURE, `the API sent no URL for part ${number}`, 'NO_PART_URL');
        return part;
      });
      // A failed batch is asked for again by whoever needs one of its parts next.
      entry.catch(() => {
        if (this.entries.get(number) === entry) this.entries.delete(number);
      });
      this.entries.set(number, entry);
    }
    return this.entries.get(partNumber) as Promise<PresignedPart>;
  }
}

export interface PartUploadOptions {
  client: ApiClient;
  file: string;
  uploadId: string;
  strategy: UploadStrategy;
  size: number;
  partSize: number;
  parallel: number;
  retry: RetryPolicy;
  meter: TransferMeter;
  signal?: AbortSignal;
  /** Called once per part the store acknowledged (records it in the state file). */
  onPart: (part: UploadedPart) => Promise<void>;
  onProgress: () => void;
}

/**
 * Sends `partNumbers` with up to `parallel` parts in flight, each retried on its own with backoff on
 * network errors and 5xx answers. The first part that fails for good stops the others; Ctrl-C (the
 * signal) stops all of them with an AbortError, leaving the acknowledged parts recorded for --resume.
 */
export async function uploadParts(partNumbers: readonly number[], options: PartUploadOptions): Promise<UploadedPart[]> {
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const urls =
    options.strategy === 'presigned-multipart'
      ? new PresignedUrlPool(options.client, options.uploadId, partNumbers, Math.max(options.parallel * 4, 16))
      : undefined;
  const queue = [...partNumbers];
  const uploaded: UploadedPart[] = [];
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    for (
      let partNumber = queue.shift();
      partNumber !== undefined && failure === undefined;
      partNumber = queue.shift()
    ) {
      try {
        const part = await sendPart(partNumber, options, signal, urls);
        uploaded.push(part);
        await options.onPart(part);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, queue.length)) }, worker));
  if (options.signal?.aborted) throw abortReason(options.signal);
  if (failure !== undefined) throw failure;
  return uploaded;
}

async function sendPart(
  partNumber: number,
  options: PartUploadOptions,
  signal: AbortSignal,
  urls: PresignedUrlPool | undefined,
): Promise<UploadedPart> {
  const range = partRange(partNumber, options.partSize, options.size);
  let refreshes = 0;
  for (let attempt = 0; ;) {
    let sent = 0;
    const takeBack = (): void => {
      options.meter.add(-sent);
      sent = 0;
      options.onProgress();
    };
    try {
      const target = urls ? await urls.get(partNumber) : proxyTarget(options, partNumber);
      const response = await putFileRange(target, options.file, range, {
        signal,
        onBytes: (bytes) => {
          sent += bytes;
          options.meter.add(bytes);
          options.onProgress();
        },
      });
      if (response.status >= 200 && response.status < 300) {
        return { partNumber, size: range.length, etag: etagOf(urls ? response.etag : undefined, response.body) };
      }
      takeBack();
      if (urls && response.status === 403 && refreshes < MAX_URL_REFRESHES) {
        // Most likely the URL expired (a long pause, a resumed upload): ask for a fresh one at once.
        refreshes += 1;
        urls.invalidate(partNumber);
        continue;
      }
      if (isRetryableStatus(response.status) && attempt < options.retry.retries) {
        attempt += 1;
        await sleep(backoffDelay(attempt, options.retry), signal);
        continue;
      }
      throw urls
        ? storageRefused(partNumber, response.status, response.body, attempt)
        : apiFailure(response.status, parseJson(response.body), `uploading part ${partNumber}`);
    } catch (error) {
      if (sent !== 0) takeBack();
      if (isAbortError(error) || signal.aborted) throw abortReason(signal);
      if (isNetworkError(error) && attempt < options.retry.retries) {
        attempt += 1;
        await sleep(backoffDelay(attempt, options.retry), signal);
        continue;
      }
      if (isNetworkError(error)) {
        const code = (error as { code?: string }).code ?? (error as Error).message;
        throw new CliError(
          ExitCode.NETWORK,
          `part ${partNumber} could not be sent after ${attempt + 1} tries (${code})`,
          'PART_UPLOAD_FAILED',
          { partNumber },
        );
      }
      throw error;
    }
  }
}

function proxyTarget(options: PartUploadOptions, partNumber: number): PutTarget {
  return {
    url: options.client.url(PROXY_PART_PATH, {
      uploadId: options.uploadId,
      partNumber: String(partNumber),
    }),
    headers: {
      authorization: options.client.authorization,
      'content-type': 'application/octet-stream',
      accept: 'application/json',
    },
  };
}

/**
 * S3 answers the part's ETag in a header; the API's proxy in its JSON body (its own ETag header is
 * Express's tag of that JSON, not the part's). Quotes are S3's, not the tag's.
 */
function etagOf(header: string | undefined, body: string): string {
  const fromBody = header === undefined ? (parseJson(body) as { etag?: unknown } | undefined)?.etag : undefined;
  const etag = header ?? (typeof fromBody === 'string' ? fromBody : undefined);
  if (!etag) throw new CliError(ExitCode.FAILURE, 'the part was stored but no ETag came back', 'NO_ETAG');
  return etag.replaceAll('"', '');
}

function storageRefused(partNumber: number, status: number, body: string, retries: number): CliError {
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]+)<\/Message>/.exec(body)?.[1];
  return new CliError(
    ExitCode.NETWORK,
    `the object store refused part ${partNumber}: HTTP ${status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}${retries > 0 ? ` after ${retries + 1} tries` : ''}`,
    'STORAGE_REFUSED',
    { partNumber, status, ...(code ? { storageCode: code } : {}) },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
