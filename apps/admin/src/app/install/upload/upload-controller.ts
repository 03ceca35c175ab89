import { computed, signal } from '@angular/core';
import { bytesOfParts, isPartNumber, missingParts, partLength, partRange } from '@extplat/contracts';
import { ApiError } from '../../core/api-error';
import { checkSignatureDigest } from '../early-checks';
import type { FinalizeResponse, PresignedPart, UploadStatus, VersionDetail } from '@extplat/api-client';
import { type UploadRecord, uploadRecords } from './upload-record';
import type { UploadTransport } from './upload-transport';

export type UploadPhase =
  | 'idle'
  | 'hashing'
  | 'initiating'
  | 'uploading'
  | 'paused'
  | 'offline'
  | 'finalizing'
  | 'cancelling'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface UploadResult {
  /** False when the platform had this content already (strategy `exists`, or an idempotent finalize). */
  created: boolean;
  version: VersionDetail;
}

export interface UploadProgress {
  totalBytes: number;
  uploadedBytes: number;
  percent: number;
  /** Bytes per second over the last few seconds; 0 until measured. */
  bytesPerSecond: number;
  /** Null until there is a speed to extrapolate from. */
  secondsLeft: number | null;
}

export interface UploadOptions {
  /** Parts in flight at once. */
  concurrency?: number;
  /** Attempts per part for failures other than a lost connection (which waits as long as it takes). */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt, capped at 30 s, with jitter. */
  baseDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Resolves when the browser is (back) online. */
  waitForOnline?: (signal: AbortSignal) => Promise<void>;
  isOnline?: () => boolean;
  hash: (file: Blob, onProgress: (bytes: number) => void, signal: AbortSignal) => Promise<string>;
}

const SPEED_WINDOW_MS = 5000;
const PRESIGN_BATCH = 8;

class Stopped extends Error {
  override readonly name = 'Stopped';
}

/**
 * One bundle upload, start to finish: hash (in a worker) → initiate (size limit checked before any byte
 * moves; `exists` skips the upload) → parts in parallel (presigned straight to S3, or through the API's
 * proxy), each retried with backoff → finalize. Pause, resume and cancel (abort on the server) at any time;
 * the session is kept in localStorage and resumed from the server's list of stored parts after a reload
 * or a lost connection. State is in signals for the wizard to render.
 */
export class UploadController {
  readonly phase = signal<UploadPhase>('idle');
  readonly hashedBytes = signal(0);
  readonly error = signal<unknown>(null);
  readonly result = signal<UploadResult | null>(null);
  readonly strategy = signal<string | null>(null);
  readonly retryNotice = signal<string | null>(null);
  readonly uploadId = signal<string | null>(null);
  readonly fileSize = signal(0);

  private readonly completedBytes = signal(0);
  private readonly inflight = signal<ReadonlyMap<number, number>>(new Map());
  private readonly speed = signal(0);

  readonly progress = computed<UploadProgress>(() => {
    const totalBytes = this.fileSize();
    let uploadedBytes = this.completedBytes();
    for (const loaded of this.inflight().values()) uploadedBytes += loaded;
    uploadedBytes = Math.min(uploadedBytes, totalBytes);
    const bytesPerSecond = this.speed();
    return {
      totalBytes,
      uploadedBytes,
      percent: totalBytes > 0 ? Math.floor((uploadedBytes / totalBytes) * 100) : 0,
      bytesPerSecond,
      secondsLeft: bytesPerSecond > 0 ? (totalBytes - uploadedBytes) / bytesPerSecond : null,
    };
  });

  private record: UploadRecord | null = null;
  private file: File | null = null;
  private completed = new Set<number>();
  private urls = new Map<number, PresignedPart>();
  private run: AbortController | null = null;
  private samples: { at: number; bytes: number }[] = [];
  private readonly options: Required<UploadOptions>;

  constructor(
    private readonly transport: UploadTransport,
    options: UploadOptions,
  ) {
    this.options = {
      concurrency: 3,
      maxAttempts: 5,
      baseDelayMs: 1000,
      now: () => Date.now(),
      sleep: sleepUnlessAborted,
      waitForOnline: onlineAgain,
      isOnline: () => navigator.onLine,
      ...options,
    };
  }

  get busy(): boolean {
    return ['hashing', 'initiating', 'uploading', 'offline', 'finalizing'].includes(this.phase());
  }

  /** A new upload of `file` with its detached signature's text. */
  async start(file: File, signature?: { text: string; name: string }): Promise<void> {
    this.reset(file);
    const limit = uploadRecords.knownLimit();
    if (limit !== null && file.size > limit) {
      this.fail(
        new ApiError(413, 'BUNDLE_TOO_LARGE', 'The bundle is larger than the platform accepts', {
          limit,
          size: file.size,
        }),
      );
      return;
    }
    const run = this.beginRun();
    try {
      const contentHash = await this.hashFile(file, run.signal);
      // Before anything reaches the server, and also when the platform has this content already.
      const wrongSignature = signature && checkSignatureDigest(signature.name, signature.text, contentHash);
      if (wrongSignature) {
        this.fail(wrongSignature);
        return;
      }
      this.phase.set('initiating');
      const initiated = await this.transport.initiate({ filename: file.name, size: file.size, sha256: contentHash });
      uploadRecords.rememberLimit(initiated.maxBytes);
      this.strategy.set(initiated.strategy);
      if (initiated.strategy === 'exists') {
        if (!initiated.version) throw new ApiError(-1, 'UNEXPECTED', 'The server named no existing version');
        this.result.set({ created: false, version: initiated.version });
        this.phase.set('done');
        return;
      }
      if (!initiated.uploadId) throw new ApiError(-1, 'UNEXPECTED', 'The server opened no upload');
      this.record = {
        uploadId: initiated.uploadId,
        strategy: initiated.strategy,
        partSize: initiated.partSize,
        partCount: initiated.partCount,
        file: { name: file.name, size: file.size, lastModified: file.lastModified, contentHash },
        ...(signature ? { signature: signature.text, signatureName: signature.name } : {}),
        startedAt: new Date(this.options.now()).toISOString(),
      };
      uploadRecords.save(this.record);
      this.uploadId.set(this.record.uploadId);
      await this.uploadAndFinalize(run.signal);
    } catch (error) {
      this.settle(error);
    }
  }

  /**
   * Continues the upload in `record` (from localStorage after a reload) with the file the user picked
   * again: it must be the same file, which its hash decides.
   */
  async resumeWith(record: UploadRecord, file: File): Promise<void> {
    this.reset(file);
    this.record = record;
    this.uploadId.set(record.uploadId);
    this.strategy.set(record.strategy);
    if (file.size !== record.file.size) {
      this.record = null;
      this.fail(notSameFile(record));
      return;
    }
    const run = this.beginRun();
    try {
      const contentHash = await this.hashFile(file, run.signal);
      if (contentHash !== record.file.contentHash) {
        this.record = null;
        this.fail(notSameFile(record));
        return;
      }
      const wrongSignature =
        record.signature &&
        checkSignatureDigest(record.signatureName ?? 'The signature', record.signature, contentHash);
      if (wrongSignature) {
        // Resuming would only send parts the server is bound to reject at finalize.
        this.record = null;
        this.fail(wrongSignature);
        return;
      }
      await this.uploadAndFinalize(run.signal);
    } catch (error) {
      this.settle(error);
    }
  }

  pause(): void {
    if (!this.record || !['uploading', 'offline'].includes(this.phase())) return;
    this.stopRun();
    this.phase.set('paused');
  }

  async resume(): Promise<void> {
    if (this.phase() !== 'paused' && this.phase() !== 'failed') return;
    if (!this.record || !this.file) return;
    const run = this.beginRun();
    this.phase.set('uploading');
    try {
      await this.uploadAndFinalize(run.signal);
    } catch (error) {
      this.settle(error);
    }
  }

  /** Stops everything and aborts the upload on the server (which deletes what was staged). */
  async cancel(): Promise<void> {
    this.stopRun();
    const record = this.record;
    uploadRecords.clear();
    this.record = null;
    if (record) {
      this.phase.set('cancelling');
      try {
        await this.transport.abort(record.uploadId);
      } catch (error) {
        // The sweeper removes an upload nobody finishes; say so rather than pretend it is gone.
        this.error.set(error);
      }
    }
    this.phase.set('cancelled');
  }

  /** Forgets a stored upload without resuming it (and aborts it on the server). */
  static async discard(transport: UploadTransport, record: UploadRecord): Promise<void> {
    uploadRecords.clear();
    await transport.abort(record.uploadId).catch(() => undefined);
  }

  private async uploadAndFinalize(signal: AbortSignal): Promise<void> {
    const record = this.record!;
    await this.syncWithServer(record, signal);
    if (this.phase() === 'done') return;
    for (let round = 0; ; round++) {
      await this.uploadParts(record, signal);
      this.phase.set('finalizing');
      try {
        const finalized: FinalizeResponse = await this.transport.finalize({
          uploadId: record.uploadId,
          sha256: record.file.contentHash,
          ...(record.signature ? { signature: record.signature } : {}),
        });
        uploadRecords.clear();
        this.record = null;
        this.result.set(finalized);
        this.phase.set('done');
        return;
      } catch (error) {
        const failure = ApiError.from(error);
        // The store lacks parts (e.g. one was lost): learn which, send them, finalize again, once.
        if (failure.code === 'UPLOAD_INCOMPLETE' && round === 0) {
          await this.syncWithServer(record, signal);
          continue;
        }
        throw error;
      }
    }
  }

  /** Learns from the server which parts it holds; the rest are (re)sent. */
  private async syncWithServer(record: UploadRecord, signal: AbortSignal): Promise<void> {
    let status: UploadStatus;
    try {
      status = await this.transport.status(record.uploadId);
    } catch (error) {
      const failure = ApiError.from(error);
      if (failure.status === 404) {
        uploadRecords.clear();
        throw new ApiError(404, 'UPLOAD_NOT_FOUND', 'The server no longer has this upload (aborted or removed)');
      }
      throw error;
    }
    signal.throwIfAborted();
    if (status.state === 'expired' || status.state === 'aborted') {
      uploadRecords.clear();
      throw new ApiError(410, 'UPLOAD_EXPIRED', `The upload ${status.state === 'expired' ? 'expired' : 'was aborted'}`);
    }
    this.completed = new Set(
      status.parts
        .filter(
          (part) =>
            isPartNumber(part.partNumber, record.partCount) &&
            part.size === partLength(part.partNumber, record.partSize, record.file.size),
        )
        .map((part) => part.partNumber),
    );
    this.completedBytes.set(bytesOfParts(this.completed, record.partSize, record.file.size));
    this.samples = [{ at: this.options.now(), bytes: this.completedBytes() }];
    this.speed.set(0);
  }

  private async uploadParts(record: UploadRecord, signal: AbortSignal): Promise<void> {
    this.phase.set('uploading');
    const pending = missingParts(record.partCount, this.completed);
    const workers = Array.from({ length: Math.min(this.options.concurrency, pending.length) }, async () => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        await this.sendPart(record, next, signal);
      }
    });
    await Promise.all(workers);
  }

  private async sendPart(record: UploadRecord, partNumber: number, signal: AbortSignal): Promise<void> {
    const { start, end } = partRange(partNumber, record.partSize, record.file.size);
    const body = this.file!.slice(start, end + 1);
    for (let attempt = 1; ; attempt++) {
      signal.throwIfAborted();
      try {
        const onProgress = (loaded: number) => this.partProgress(partNumber, loaded);
        if (record.strategy === 'presigned-multipart') {
          const url = await this.partUrl(record, partNumber, signal);
          await this.transport.putPresigned(url, body, onProgress, signal);
        } else {
          await this.transport.putProxy(record.uploadId, partNumber, body, onProgress, signal);
        }
        this.completed.add(partNumber);
        this.completedBytes.update((bytes) => bytes + body.size);
        this.partProgress(partNumber, null);
        this.retryNotice.set(null);
        if (this.phase() === 'offline') this.phase.set('uploading');
        return;
      } catch (error) {
        this.partProgress(partNumber, null);
        if (signal.aborted || isAbort(error)) throw new Stopped();
        const failure = ApiError.from(error);
        // A presigned URL may have expired (S3 answers 403): the next attempt asks for a fresh one.
        this.urls.delete(partNumber);
        const retryable = failure.isTransient || (record.strategy === 'presigned-multipart' && failure.status === 403);
        if (!retryable) throw error;
        if (failure.isNetwork) {
          this.phase.set('offline');
          // Nothing moves without a connection: no speed or time left until parts flow again.
          this.samples = [];
          this.speed.set(0);
          this.retryNotice.set('Connection lost: the upload continues by itself when the connection is back.');
          if (!this.options.isOnline()) {
            await this.options.waitForOnline(signal);
            attempt = 0;
            continue;
          }
        } else if (attempt >= this.options.maxAttempts) {
          throw error;
        }
        const delay = Math.min(30_000, this.options.baseDelayMs * 2 ** (Math.min(attempt, 10) - 1));
        const jittered = Math.round(delay * (0.75 + Math.random() * 0.5));
        this.retryNotice.set(
          failure.isNetwork
            ? `Connection lost: retrying part ${partNumber} in ${Math.ceil(jittered / 1000)} s.`
            : `Part ${partNumber} failed (${failure.message}); retry ${attempt} of ${this.options.maxAttempts - 1} in ${Math.ceil(jittered / 1000)} s.`,
        );
        await this.options.sleep(jittered, signal);
      }
    }
  }

  /** Fresh presigned URLs, fetched a few parts ahead and only while they are valid for another minute. */
  private async partUrl(record: UploadRecord, partNumber: number, signal: AbortSignal): Promise<PresignedPart> {
    const cached = this.urls.get(partNumber);
    if (cached && Date.parse(cached.expiresAt) - this.options.now() > 60_000) return cached;
    const wanted = range(partNumber, Math.min(record.partCount, partNumber + PRESIGN_BATCH - 1)).filter(
      (number) => number === partNumber || (!this.completed.has(number) && !this.urls.has(number)),
    );
    const parts = await this.transport.presign(record.uploadId, wanted);
    signal.throwIfAborted();
    for (const part of parts) this.urls.set(part.partNumber, part);
    const url = this.urls.get(partNumber);
    if (!url) throw new ApiError(-1, 'UNEXPECTED', `The server gave no URL for part ${partNumber}`);
    return url;
  }

  private partProgress(partNumber: number, loaded: number | null): void {
    this.inflight.update((current) => {
      const next = new Map(current);
      if (loaded === null) next.delete(partNumber);
      else next.set(partNumber, loaded);
      return next;
    });
    this.sampleSpeed();
  }

  private sampleSpeed(): void {
    const now = this.options.now();
    const bytes = this.progress().uploadedBytes;
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 2 && now - this.samples[0].at > SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    const elapsed = (now - first.at) / 1000;
    if (elapsed >= 0.5) this.speed.set(Math.max(0, (bytes - first.bytes) / elapsed));
  }

  private async hashFile(file: File, signal: AbortSignal): Promise<string> {
    this.phase.set('hashing');
    return this.options.hash(file, (bytes) => this.hashedBytes.set(bytes), signal);
  }

  private reset(file: File): void {
    this.stopRun();
    this.file = file;
    this.record = null;
    this.completed = new Set();
    this.urls = new Map();
    this.samples = [];
    this.fileSize.set(file.size);
    this.hashedBytes.set(0);
    this.completedBytes.set(0);
    this.inflight.set(new Map());
    this.speed.set(0);
    this.error.set(null);
    this.result.set(null);
    this.retryNotice.set(null);
    this.uploadId.set(null);
    this.strategy.set(null);
  }

  private beginRun(): AbortController {
    this.stopRun();
    this.error.set(null);
    this.retryNotice.set(null);
    this.run = new AbortController();
    return this.run;
  }

  private stopRun(): void {
    this.run?.abort();
    this.run = null;
    this.inflight.set(new Map());
  }

  /** Ends a run: a stop (pause, cancel) is not an error; anything else is. */
  private settle(error: unknown): void {
    if (error instanceof Stopped || isAbort(error)) return;
    const failure = ApiError.from(error);
    // A finalize that failed for good leaves nothing to resume: the server has discarded the upload.
    if (this.phase() === 'finalizing' && !failure.isTransient && failure.details['retryable'] !== true) {
      uploadRecords.clear();
      this.record = null;
    }
    this.fail(failure);
  }

  private fail(error: unknown): void {
    this.stopRun();
    this.error.set(error);
    this.phase.set('failed');
  }

  /** Whether a failed run can continue where it stopped (the upload is still open on the server). */
  get resumable(): boolean {
    return this.record !== null && this.file !== null;
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function notSameFile(record: UploadRecord): ApiError {
  return new ApiError(
    400,
    'NOT_SAME_FILE',
    `This is not the file the interrupted upload was sending (${record.file.name}, ${record.file.size} bytes).`,
  );
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    function stop(): void {
      clearTimeout(timer);
      reject(new DOMException('Stopped', 'AbortError'));
    }
    signal.addEventListener('abort', stop, { once: true });
  });
}

function onlineAgain(signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const online = () => {
      signal.removeEventListener('abort', stop);
      resolve();
    };
    function stop(): void {
      window.removeEventListener('online', online);
      reject(new DOMException('Stopped', 'AbortError'));
    }
    window.addEventListener('online', online, { once: true });
    signal.addEventListener('abort', stop, { once: true });
  });
}
