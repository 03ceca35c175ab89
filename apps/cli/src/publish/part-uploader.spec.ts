import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../api/api-client.js';
import type { UploadedPart } from '@extplat/api-client';
import { ExitCode } from '../exit-codes.js';
import { uploadParts, type PartUploadOptions } from './part-uploader.js';
import { TransferMeter } from './transfer-meter.js';

/**
 * The retry, refresh and concurrency rules of the part uploader, against a small local HTTP server that
 * plays the API's presign route and the object store and misbehaves on cue: a real S3 server cannot be
 * made to drop a connection or answer 503 at a chosen moment. The real flow is in publish.int-spec.ts.
 */
type Behaviour = 'ok' | '503' | '403' | '400' | 'reset';

const PART_SIZE = 64 * 1024;
const SIZE = 3 * PART_SIZE + 1000;
const UPLOAD_ID = '11111111-2222-4333-8444-555555555555';

let server: Server;
let base: string;
let file: string;
let content: Buffer;
/** Per part, what the next PUTs get (then 'ok'). */
const script = new Map<number, Behaviour[]>();
const received = new Map<number, Buffer>();
const presignCalls: number[][] = [];
let inFlight = 0;
let maxInFlight = 0;

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', base);
  const presign = /^\/api\/ext-bundles\/uploads\/([^/]+)\/parts$/.exec(url.pathname);
  if (request.method === 'POST' && presign) {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const { partNumbers } = JSON.parse(text) as { partNumbers: number[] };
      presignCalls.push(partNumbers);
      const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          parts: partNumbers.map((partNumber) => ({
            partNumber,
            url: `${base}/store/${partNumber}?call=${presignCalls.length}`,
            method: 'PUT',
            headers: {},
            size: 0,
            expiresAt,
          })),
        }),
      );
    });
    return;
  }
  const part = /^\/store\/(\d+)$/.exec(url.pathname);
  if (request.method === 'PUT' && part) {
    const partNumber = Number(part[1]);
    const behaviour = script.get(partNumber)?.shift() ?? 'ok';
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // Hold the part a little so that parallel parts overlap.
      setTimeout(() => {
        inFlight -= 1;
        if (behaviour === 'reset') {
          request.socket.destroy();
          return;
        }
        if (behaviour !== 'ok') {
          response.statusCode = Number(behaviour);
          response.end(`<Error><Code>${behaviour === '403' ? 'AccessDenied' : 'Nope'}</Code></Error>`);
          return;
        }
        const body = Buffer.concat(chunks);
        received.set(partNumber, body);
        response.setHeader('etag', `"${createHash('md5').update(body).digest('hex')}"`);
        response.end();
      }, 20);
    });
    return;
  }
  response.statusCode = 404;
  response.end();
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const directory = mkdtempSync(join(tmpdir(), 'extctl-parts-'));
  file = join(directory, 'bundle.tar.zst');
  content = randomBytes(SIZE);
  writeFileSync(file, content);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function reset(): void {
  script.clear();
  received.clear();
  presignCalls.length = 0;
  maxInFlight = 0;
}

function options(overrides: Partial<PartUploadOptions> = {}): PartUploadOptions & { recorded: UploadedPart[] } {
  const recorded: UploadedPart[] = [];
  return {
    client: new ApiClient({ baseUrl: base, apiKey: 'test-key' }),
    file,
    uploadId: UPLOAD_ID,
    strategy: 'presigned-multipart',
    size: SIZE,
    partSize: PART_SIZE,
    parallel: 2,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    meter: new TransferMeter(SIZE),
    onPart: (part) => {
      recorded.push(part);
      return Promise.resolve();
    },
    onProgress: () => undefined,
    recorded,
    ...overrides,
  };
}

const slice = (partNumber: number): Buffer =>
  content.subarray((partNumber - 1) * PART_SIZE, Math.min(partNumber * PART_SIZE, SIZE));

describe('uploadParts', () => {
  it('streams each part with its exact bytes, in parallel, with the URLs from one batch', async () => {
    reset();
    const run = options({ parallel: 3 });
    const parts = await uploadParts([1, 2, 3, 4], run);
    expect(parts.map((part) => part.partNumber).sort()).toEqual([1, 2, 3, 4]);
    for (const partNumber of [1, 2, 3, 4]) expect(received.get(partNumber)?.equals(slice(partNumber))).toBe(true);
    expect(parts.find((part) => part.partNumber === 4)).toMatchObject({
      size: 1000,
      etag: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(presignCalls).toEqual([[1, 2, 3, 4]]);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(run.recorded).toHaveLength(4);
    expect(run.meter.done).toBe(SIZE);
  });

  it('retries a part after 5xx answers and a dropped connection, counting its bytes once', async () => {
    reset();
    script.set(2, ['503', 'reset', '503']);
    const run = options();
    const parts = await uploadParts([1, 2, 3, 4], run);
    expect(parts).toHaveLength(4);
    expect(received.get(2)?.equals(slice(2))).toBe(true);
    expect(run.meter.done).toBe(SIZE);
    expect(run.meter.sentThisRun).toBe(SIZE);
  });

  it('asks for a fresh URL when the store refuses one (expired), without backing off', async () => {
    reset();
    script.set(3, ['403']);
    await uploadParts([3, 4], options({ parallel: 1 }));
    expect(presignCalls).toEqual([[3, 4], [3]]);
    expect(received.get(3)?.equals(slice(3))).toBe(true);
  });

  it('gives up after the retries, naming the part, and stops the other parts', async () => {
    reset();
    script.set(1, ['503', '503', '503', '503']);
    const run = options({ parallel: 1 });
    await expect(uploadParts([1, 2, 3], run)).rejects.toMatchObject({
      exitCode: ExitCode.NETWORK,
      code: 'STORAGE_REFUSED',
      message: expect.stringContaining('part 1: HTTP 503'),
    });
    expect(run.recorded).toEqual([]);
  });

  it('does not retry a part the store refuses outright', async () => {
    reset();
    script.set(1, ['400', 'ok']);
    await expect(uploadParts([1], options())).rejects.toMatchObject({ code: 'STORAGE_REFUSED' });
    expect(received.size).toBe(0);
  });

  it('stops at once when aborted, keeping the parts already acknowledged', async () => {
    reset();
    const controller = new AbortController();
    const run = options({
      parallel: 1,
      signal: controller.signal,
      onPart: (part) => {
        run.recorded.push(part);
        controller.abort();
        return Promise.resolve();
      },
    });
    await expect(uploadParts([1, 2, 3, 4], run)).rejects.toMatchObject({ name: 'AbortError' });
    expect(run.recorded.map((part) => part.partNumber)).toEqual([1]);
    expect([...received.keys()]).toEqual([1]);
  });
});
