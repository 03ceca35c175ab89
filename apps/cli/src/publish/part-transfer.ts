import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CliError, ExitCode } from '../exit-codes.js';
import type { PartRange } from '@extplat/contracts';

export interface PutTarget {
  url: string;
  headers: Record<string, string>;
}

export interface PutResponse {
  status: number;
  etag: string | undefined;
  /** The start of the response body (S3's XML error, the API's JSON answer). */
  body: string;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Called as bytes of the part are handed to the connection, for the progress line. */
  onBytes?: (bytes: number) => void;
  /** A connection silent for this long is dropped (and the part retried). */
  idleTimeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * PUTs one byte range of a file, streamed from disk with an exact Content-Length: a presigned part URL
 * signs that length, and the API's proxy counts it. node:http rather than fetch, because fetch sends a
 * streamed body chunked, without a length, and so only a whole in-memory buffer would do; this way at
 * most a few read buffers of the part are in memory at any time.
 */
export function putFileRange(
  target: PutTarget,
  file: string,
  range: PartRange,
  options: PutOptions = {},
): Promise<PutResponse> {
  const url = new URL(target.url);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.headers)) headers[name.toLowerCase()] = value;
  headers['content-length'] = String(range.length);
  return new Promise<PutResponse>((resolve, reject) => {
    const source = createReadStream(file, { start: range.start, end: range.end, highWaterMark: 256 * 1024 });
    const request = send(url, { method: 'PUT', headers, signal: options.signal });
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      source.destroy();
      request.destroy();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    source.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new CliError(
          ExitCode.INPUT,
          `${file}: cannot read part ${range.partNumber} (${error.code ?? error.message})`,
          'FILE_UNREADABLE',
        ),
      ),
    );
    source.on('data', (chunk: Buffer | string) => options.onBytes?.(chunk.length));
    request.on('error', fail);
    request.setTimeout(options.idleTimeoutMs ?? 60_000, () =>
      fail(
        Object.assign(new Error(`no answer for ${(options.idleTimeoutMs ?? 60_000) / 1000} s`), { code: 'ETIMEDOUT' }),
      ),
    );
    request.on('response', (response: IncomingMessage) => {
      // An early answer (a refused URL) ends the upload of this body: stop reading the file.
      source.unpipe(request);
      source.destroy();
      collect(response)
        .then((body) => {
          if (settled) return;
          settled = true;
          const etag = response.headers.etag;
          resolve({ status: response.statusCode ?? 0, etag: typeof etag === 'string' ? etag : undefined, body });
        })
        .catch(fail);
    });
    source.pipe(request);
  });
}

async function collect(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (length < MAX_RESPONSE_BYTES) chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}
