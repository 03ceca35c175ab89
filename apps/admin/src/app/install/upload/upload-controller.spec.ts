/* eslint-disable @typescript-eslint/require-await -- the fakes mirror the transport's async interface. */
import { HttpErrorResponse } from '@angular/common/http';
import type {
  FinalizeResponse,
  InitiateUploadResponse,
  PresignedPart,
  UploadStatus,
  VersionDetail,
} from '@extplat/api-client';
import { UploadController } from './upload-controller';
import { uploadRecords } from './upload-record';
import type { UploadTransport } from './upload-transport';

const PART = 4;
const HASH = 'sha256:' + 'a'.repeat(64);
/** What the controller reads of a .sig before uploading: the digest it claims to sign. */
const envelope = (digest: string) => JSON.stringify({ format: 'extplat-signature/v1', digest });
const SIGNATURE = envelope(HASH);
const version = { extension: 'com.acme.tickets', version: '1.0.0' } as VersionDetail;

/** An in-memory API + S3: records which parts arrived and can fail chosen attempts. */
class FakeTransport implements UploadTransport {
  stored = new Map<number, number>();
  strategy: InitiateUploadResponse['strategy'] = 'presigned-multipart';
  failures: ((partNumber: number) => unknown)[] = [];
  inFlight = 0;
  maxInFlight = 0;
  aborted: string[] = [];
  finalizeError: unknown = null;
  hold: Promise<void> | null = null;

  initiate = vi.fn(async (request: { size: number }): Promise<InitiateUploadResponse> => {
    if (this.strategy === 'exists') return { strategy: 'exists', partSize: PART, partCount: 0, maxBytes: 100, version };
    return {
      uploadId: 'up-1',
      strategy: this.strategy,
      partSize: PART,
      partCount: Math.ceil(request.size / PART),
      maxBytes: 100,
    };
  });
  status = vi.fn(
    async (): Promise<UploadStatus> =>
      ({
        uploadId: 'up-1',
        state: 'initiated',
        parts: [...this.stored].map(([partNumber, size]) => ({ partNumber, size, etag: 'e' })),
        receivedBytes: [...this.stored.values()].reduce((a, b) => a + b, 0),
      }) as UploadStatus,
  );
  presign = vi.fn(async (_id: string, numbers: number[]): Promise<PresignedPart[]> =>
    numbers.map((partNumber) => ({
      partNumber,
      url: `https://s3.test/p${partNumber}`,
      method: 'PUT',
      headers: { 'content-length': '4' },
      size: PART,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    })),
  );
  putPresigned = vi.fn((part: PresignedPart, body: Blob, onProgress: (n: number) => void, signal: AbortSignal) =>
    this.put(part.partNumber, body, onProgress, signal),
  );
  putProxy = vi.fn(
    (_id: string, partNumber: number, body: Blob, onProgress: (n: number) => void, signal: AbortSignal) =>
      this.put(partNumber, body, onProgress, signal),
  );
  finalize = vi.fn(async (): Promise<FinalizeResponse> => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (this.finalizeError) throw this.finalizeError;
    return { created: true, version };
  });
  abort = vi.fn(async (uploadId: string) => {
    this.aborted.push(uploadId);
  });

  private async put(
    partNumber: number,
    body: Blob,
    onProgress: (n: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const failure = this.failures.shift()?.(partNumber);
      // HttpClient fails with HttpErrorResponse, which is not an Error subclass; the fake does the same.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      if (failure) throw failure;
      onProgress(body.size / 2);
      if (this.hold) {
        // Like the real transport: aborting the signal cancels the request at once.
        await Promise.race([
          this.hold,
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }),
          ),
        ]);
      }
      signal.throwIfAborted();
      this.stored.set(partNumber, body.size);
      onProgress(body.size);
    } finally {
      this.inFlight--;
    }
  }
}

function controller(
  transport: FakeTransport,
  overrides: Partial<ConstructorParameters<typeof UploadController>[1]> = {},
) {
  return new UploadController(transport, {
    hash: async () => HASH,
    sleep: vi.fn(async () => undefined),
    isOnline: () => true,
    ...overrides,
  });
}

const file = (size: number, name = 'bundle.tar.zst') => new File([new Uint8Array(size)], name, { lastModified: 1 });

describe('UploadController', () => {
  beforeEach(() => localStorage.clear());

  it('uploads every part in parallel straight to S3, then finalizes with hash and signature', async () => {
    const transport = new FakeTransport();
    const upload = controller(transport, { concurrency: 3 });
    await upload.start(file(18), { text: SIGNATURE, name: 'bundle.tar.zst.sig' });
    expect(upload.phase()).toBe('done');
    expect([...transport.stored.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(transport.stored.get(5)).toBe(2);
    expect(transport.maxInFlight).toBe(3);
    expect(transport.initiate).toHaveBeenCalledWith({ filename: 'bundle.tar.zst', size: 18, sha256: HASH });
    expect(transport.finalize).toHaveBeenCalledWith({ uploadId: 'up-1', sha256: HASH, signature: SIGNATURE });
    expect(upload.progress()).toMatchObject({ uploadedBytes: 18, percent: 100 });
    expect(upload.result()).toEqual({ created: true, version });
    expect(uploadRecords.load()).toBeNull();
  });

  it('skips the upload when the platform has the content already', async () => {
    const transport = new FakeTransport();
    transport.strategy = 'exists';
    const upload = controller(transport);
    await upload.start(file(10));
    expect(upload.phase()).toBe('done');
    expect(upload.result()).toEqual({ created: false, version });
    expect(transport.putPresigned).not.toHaveBeenCalled();
    expect(transport.finalize).not.toHaveBeenCalled();
  });

  it('refuses a .sig for other content after hashing, before the platform is asked anything', async () => {
    const transport = new FakeTransport();
    const upload = controller(transport);
    const other = 'sha256:' + 'b'.repeat(64);
    await upload.start(file(8), { text: envelope(other), name: 'old.tar.zst.sig' });
    expect(upload.phase()).toBe('failed');
    expect(upload.error()).toMatchObject({ code: 'DIGEST_MISMATCH', details: { claimed: other, actual: HASH } });
    expect((upload.error() as Error).message).toContain('old.tar.zst.sig signs ' + other);
    expect(transport.initiate).not.toHaveBeenCalled();
    expect(uploadRecords.load()).toBeNull();
  });

  it('checks the picked .sig also when the platform has the content already', async () => {
    const transport = new FakeTransport();
    transport.strategy = 'exists';
    const upload = controller(transport);
    await upload.start(file(10), { text: envelope('sha256:' + 'c'.repeat(64)), name: 'bundle.tar.zst.sig' });
    expect(upload.phase()).toBe('failed');
    expect(upload.error()).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(upload.result()).toBeNull();

    const right = controller(transport);
    await right.start(file(10), { text: SIGNATURE, name: 'bundle.tar.zst.sig' });
    expect(right.result()).toEqual({ created: false, version });
  });

  it('refuses a .sig that is not an envelope', async () => {
    const transport = new FakeTransport();
    const upload = controller(transport);
    await upload.start(file(8), { text: 'hello', name: 'notes.sig' });
    expect(upload.error()).toMatchObject({ code: 'SIGNATURE_MALFORMED' });
    expect(transport.initiate).not.toHaveBeenCalled();
  });

  it('sends parts through the API when the strategy is proxy', async () => {
    const transport = new FakeTransport();
    transport.strategy = 'proxy';
    await controller(transport).start(file(8));
    expect(transport.putProxy).toHaveBeenCalledTimes(2);
    expect(transport.presign).not.toHaveBeenCalled();
  });

  it('retries a failed part with growing delays, asking for a fresh URL each time', async () => {
    const transport = new FakeTransport();
    const serverError = new HttpErrorResponse({ status: 503 });
    transport.failures = [() => serverError, () => serverError];
    const sleep = vi.fn(async () => undefined);
    const upload = controller(transport, { concurrency: 1, sleep, baseDelayMs: 1000 });
    await upload.start(file(4));
    expect(upload.phase()).toBe('done');
    expect(sleep).toHaveBeenCalledTimes(2);
    const [first, second] = sleep.mock.calls.map((call) => (call as unknown as [number])[0]);
    expect(first).toBeGreaterThanOrEqual(750);
    expect(first).toBeLessThanOrEqual(1250);
    expect(second).toBeGreaterThanOrEqual(1500);
    expect(transport.presign).toHaveBeenCalledTimes(3);
  });

  it('gives up on a part after the last attempt and keeps the upload resumable', async () => {
    const transport = new FakeTransport();
    transport.failures = Array.from({ length: 5 }, () => () => new HttpErrorResponse({ status: 500 }));
    const upload = controller(transport, { concurrency: 1, maxAttempts: 5 });
    await upload.start(file(4));
    expect(upload.phase()).toBe('failed');
    expect(upload.resumable).toBe(true);
    expect(uploadRecords.load()?.uploadId).toBe('up-1');
    await upload.resume();
    expect(upload.phase()).toBe('done');
  });

  it('waits for the connection to come back, then continues by itself', async () => {
    const transport = new FakeTransport();
    transport.failures = [() => new HttpErrorResponse({ status: 0 })];
    let online = false;
    let reconnect!: () => void;
    const waitForOnline = vi.fn(() => new Promise<void>((resolve) => (reconnect = resolve)));
    const upload = controller(transport, { concurrency: 1, isOnline: () => online, waitForOnline });
    const done = upload.start(file(4));
    await vi.waitFor(() => expect(upload.phase()).toBe('offline'));
    expect(upload.retryNotice()).toContain('Connection lost');
    online = true;
    reconnect();
    await done;
    expect(upload.phase()).toBe('done');
  });

  it('shows no speed or time left while the connection is lost', async () => {
    const transport = new FakeTransport();
    transport.failures = [() => null, () => new HttpErrorResponse({ status: 0 })];
    let now = 0;
    let reconnect!: () => void;
    const waitForOnline = vi.fn(() => new Promise<void>((resolve) => (reconnect = resolve)));
    const upload = controller(transport, {
      concurrency: 1,
      now: () => (now += 1000),
      isOnline: () => false,
      waitForOnline,
    });
    const done = upload.start(file(8));
    await vi.waitFor(() => expect(upload.phase()).toBe('offline'));
    expect(upload.progress()).toMatchObject({ uploadedBytes: 4, bytesPerSecond: 0, secondsLeft: null });
    reconnect();
    await done;
    expect(upload.phase()).toBe('done');
  });

  it('pauses, and resumes from the parts the server holds', async () => {
    const transport = new FakeTransport();
    let release!: () => void;
    transport.hold = new Promise((resolve) => (release = resolve));
    const upload = controller(transport, { concurrency: 1 });
    const started = upload.start(file(12));
    await vi.waitFor(() => expect(upload.progress().uploadedBytes).toBe(2));
    upload.pause();
    await started;
    expect(upload.phase()).toBe('paused');
    transport.stored.set(1, PART); // the server got part 1 before the pause
    transport.hold = null;
    release();
    await upload.resume();
    expect(upload.phase()).toBe('done');
    expect(transport.putPresigned.mock.calls.map(([part]) => part.partNumber)).toEqual([1, 2, 3]);
  });

  it('cancels: stops, aborts the upload on the server and forgets it', async () => {
    const transport = new FakeTransport();
    transport.hold = new Promise(() => undefined);
    const upload = controller(transport);
    const started = upload.start(file(8));
    await vi.waitFor(() => expect(upload.phase()).toBe('uploading'));
    await upload.cancel();
    await started;
    expect(upload.phase()).toBe('cancelled');
    expect(transport.aborted).toEqual(['up-1']);
    expect(uploadRecords.load()).toBeNull();
  });

  it('resumes after a reload only with the same file, checked by its hash', async () => {
    const transport = new FakeTransport();
    transport.stored.set(1, PART);
    const record = {
      uploadId: 'up-1',
      strategy: 'presigned-multipart' as const,
      partSize: PART,
      partCount: 2,
      file: { name: 'bundle.tar.zst', size: 8, lastModified: 1, contentHash: HASH },
      signature: SIGNATURE,
      startedAt: new Date().toISOString(),
    };
    uploadRecords.save(record);
    const other = controller(new FakeTransport(), { hash: async () => 'sha256:' + 'b'.repeat(64) });
    await other.resumeWith(record, file(8));
    expect(other.phase()).toBe('failed');
    expect(other.resumable).toBe(false);
    expect(uploadRecords.load()).not.toBeNull();

    const upload = controller(transport);
    await upload.resumeWith(record, file(8));
    expect(upload.phase()).toBe('done');
    expect(transport.putPresigned.mock.calls.map(([part]) => part.partNumber)).toEqual([2]);
    expect(transport.finalize).toHaveBeenCalledWith({ uploadId: 'up-1', sha256: HASH, signature: SIGNATURE });
  });

  it('does not resume an upload whose stored .sig signs other content', async () => {
    const transport = new FakeTransport();
    const record = {
      uploadId: 'up-1',
      strategy: 'presigned-multipart' as const,
      partSize: PART,
      partCount: 2,
      file: { name: 'bundle.tar.zst', size: 8, lastModified: 1, contentHash: HASH },
      signature: envelope('sha256:' + 'd'.repeat(64)),
      signatureName: 'old.sig',
      startedAt: new Date().toISOString(),
    };
    const upload = controller(transport);
    await upload.resumeWith(record, file(8));
    expect(upload.error()).toMatchObject({ code: 'DIGEST_MISMATCH' });
    expect(upload.resumable).toBe(false);
    expect(transport.putPresigned).not.toHaveBeenCalled();
  });

  it('refuses a file over the known size limit before hashing it', async () => {
    uploadRecords.rememberLimit(10);
    const hash = vi.fn(async () => HASH);
    const transport = new FakeTransport();
    const upload = controller(transport, { hash });
    await upload.start(file(11));
    expect(upload.phase()).toBe('failed');
    expect(hash).not.toHaveBeenCalled();
    expect(transport.initiate).not.toHaveBeenCalled();
  });

  it('forgets the upload when finalize rejects the bundle for good', async () => {
    const transport = new FakeTransport();
    transport.finalizeError = new HttpErrorResponse({
      status: 422,
      error: { error: { code: 'INVALID_MANIFEST', message: 'bad', details: { issues: [] } }, requestId: null },
    });
    const upload = controller(transport);
    await upload.start(file(4));
    expect(upload.phase()).toBe('failed');
    expect(upload.resumable).toBe(false);
    expect(uploadRecords.load()).toBeNull();
  });

  it('reports speed and time left from recent progress', async () => {
    const transport = new FakeTransport();
    let now = 0;
    let release!: () => void;
    transport.hold = new Promise((resolve) => (release = resolve));
    const upload = controller(transport, { concurrency: 1, now: () => now });
    const started = upload.start(file(8));
    await vi.waitFor(() => expect(upload.progress().uploadedBytes).toBe(2));
    now = 1000;
    transport.hold = null;
    release();
    await started;
    expect(upload.phase()).toBe('done');
    expect(upload.progress().bytesPerSecond).toBeGreaterThan(0);
  });
});
