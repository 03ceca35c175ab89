import { createHash, randomUUID, type Hash } from 'node:crypto';
import { mkdir, open, readdir, rm, rmdir, stat, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readFilesReusingBuffer } from '@extplat/bundle';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';

/** One spooled part, as finalize asks for it. */
export interface SpooledPart {
  partNumber: number;
  attemptId: string;
  size: number;
}

/** What a finished copy holds. */
export interface SpoolResult {
  /** The file holds exactly the part. */
  complete: boolean;
  /** Hex MD5 of the bytes written, to compare with the ETag the store gave the part. */
  md5: string;
}

/** How often this process marks its folder alive and looks for what nobody can use any more. */
const TICK_MS = 60 * 1000;
/** Another process's folder not marked alive for this long belongs to a process that is gone. */
const ABANDONED_AFTER_MS = 5 * 60 * 1000;
/** An upload folder of this process untouched this long past the session lifetime is swept in any case. */
const SWEEP_GRACE_MS = 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Reservation {
  /** Bytes reserved per send (attempt id), so a late release never takes another send's space. */
  sends: Map<string, number>;
  /** After this the session can no longer be finalized: its copy is of no use. */
  expiresAt: number;
}

/** Asked each minute: which of these uploads have ended (finalized or aborted, possibly by another API). */
export type EndedUploads = (uploadIds: string[]) => Promise<string[]>;

/**
 * A local copy of the parts this process streamed to the store for proxy uploads, so finalize can inspect
 * the bundle from local disk instead of reading it back from S3 (the read-back costs about as long as the
 * upload itself on Ceph RGW). The copy is written from the very chunks handed to the store, so it holds
 * exactly what this process sent; whether the store holds the same is decided by the per-part attempt
 * records in PostgreSQL and the MD5 each copy records (see UploadService.spooledSource), not here.
 *
 * Layout: `<UPLOAD_SPOOL_DIR>/<instance>/<uploadId>/<part>.<attempt>`. The instance folder is new for each
 * process, so a restarted API never trusts a file it did not write itself; the process marks it alive every
 * minute, and a folder of another process not marked for five minutes is removed (a crashed replica on a
 * disk that outlives it). Space is reserved per part before it is written; past `UPLOAD_SPOOL_MAX_BYTES` a
 * part is simply not copied (finalize then reads the store, as before). 0 turns the spool off.
 */
@Injectable()
export class UploadSpool implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('UploadSpool');
  /** This process's name in attempt records and its folder under the spool root. */
  readonly instanceId = randomUUID();
  private readonly root: string;
  private readonly folder: string;
  private readonly maxBytes: number;
  private reservedBytes = 0;
  private readonly reserved = new Map<string, Reservation>();
  /** Uploads whose copy was given up (a part sent again): no part of them is copied any more. */
  private readonly refused = new Map<string, number>();
  private endedUploads?: EndedUploads;
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private warnedUnwritable = false;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.root = config.upload.spoolDir;
    this.folder = join(this.root, this.instanceId);
    this.maxBytes = config.upload.spoolMaxBytes;
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** Bytes reserved by parts being copied or kept (for tests and logs). */
  get usedBytes(): number {
    return this.reservedBytes;
  }

  /** How the sweep learns of uploads another API process finalized or aborted. */
  watchEndedUploads(ended: EndedUploads): void {
    this.endedUploads = ended;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.sweep(), TICK_MS);
    this.timer.unref();
    void this.sweep();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    if (this.enabled) await rm(this.folder, { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * A writer for one part, or undefined when the spool is off, full or unwritable (the part then goes to
   * the store only). The part's space stays reserved until {@link release} or the upload's {@link discard}.
   */
  async open(
    uploadId: string,
    partNumber: number,
    attemptId: string,
    size: number,
    expiresAt: Date,
  ): Promise<SpoolWriter | undefined> {
    if (!this.enabled || this.refused.has(uploadId) || this.reservedBytes + size > this.maxBytes) return undefined;
    this.reserve(uploadId, attemptId, size, expiresAt.getTime());
    try {
      // Only this process's user may read or change the copies (the default root is in the shared /tmp).
      const folder = join(this.folder, uploadId);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const handle = await open(join(folder, partFile(partNumber, attemptId)), 'wx', 0o600);
      return new SpoolWriter(handle, size);
    } catch (error) {
      this.unreserve(uploadId, attemptId);
      if (!this.warnedUnwritable) {
        this.warnedUnwritable = true;
        this.logger.warn({ event: 'upload.spool.unwritable', dir: this.root, error: String(error) });
      }
      return undefined;
    }
  }

  /** Removes one part's copy (a send that failed) and gives its space back. Never throws. */
  async release(uploadId: string, part: SpooledPart): Promise<void> {
    this.unreserve(uploadId, part.attemptId);
    const folder = join(this.folder, uploadId);
    await rm(join(folder, partFile(part.partNumber, part.attemptId)), { force: true }).catch(() => undefined);
    // The folder goes with its last file (an upload discarded while this send was opening its copy).
    if (!this.reserved.has(uploadId)) await rmdir(folder).catch(() => undefined);
  }

  /**
   * The parts in order as one stream of chunks on one reused buffer (each valid until the next is asked
   * for, as inspectBundle reads), or undefined when any file is missing or of another size. Each file's
   * MD5 is checked against the one taken when it was written, as it is read: a copy changed on disk since
   * (by a fault or by anyone else) makes the stream fail with {@link SpoolMismatchError} at that part's end.
   */
  async reader(
    uploadId: string,
    parts: readonly (SpooledPart & { md5: string })[],
  ): Promise<AsyncIterable<Buffer> | undefined> {
    const files: { path: string; md5: string; partNumber: number }[] = [];
    for (const part of parts) {
      const path = join(this.folder, uploadId, partFile(part.partNumber, part.attemptId));
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || info.size !== part.size) return undefined;
      files.push({ path, md5: part.md5, partNumber: part.partNumber });
    }
    return checkedFiles(files);
  }

  /**
   * Removes an upload's copies and gives their space back. Never throws. `refuseUntil`: no further part of
   * the upload is copied until then (its session's expiry), as when one of its parts was sent twice.
   */
  async discard(uploadId: string, { refuseUntil }: { refuseUntil?: Date } = {}): Promise<void> {
    if (refuseUntil) this.refused.set(uploadId, refuseUntil.getTime());
    const reservation = this.reserved.get(uploadId);
    if (reservation) {
      this.reserved.delete(uploadId);
      for (const bytes of reservation.sends.values()) this.reservedBytes -= bytes;
    }
    if (!this.enabled) return;
    await rm(join(this.folder, uploadId), { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.warn({ event: 'upload.spool.cleanup_failed', uploadId, error: String(error) }),
    );
  }

  /**
   * Marks this process's folder alive, then removes what nobody can finalize from any more: copies of this
   * process's uploads whose session expired (or, without a reservation, untouched for the session lifetime
   * plus an hour), and whole folders of other processes not marked alive for five minutes. Never throws.
   */
  async sweep(now = Date.now()): Promise<string[]> {
    if (this.sweeping) return [];
    this.sweeping = true;
    try {
      return await this.sweepOnce(now);
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepOnce(now: number): Promise<string[]> {
    const removed: string[] = [];
    await utimes(this.folder, now / 1000, now / 1000).catch(() => undefined);
    for (const [uploadId, expiresAt] of this.refused) if (expiresAt < now) this.refused.delete(uploadId);
    const ended = new Set(
      this.endedUploads && this.reserved.size > 0
        ? await this.endedUploads([...this.reserved.keys()]).catch((error: unknown) => {
            this.logger.warn({ event: 'upload.spool.sweep_query_failed', error: String(error) });
            return [];
          })
        : [],
    );
    for (const [uploadId, reservation] of this.reserved) {
      if (reservation.expiresAt < now || ended.has(uploadId)) {
        await this.discard(uploadId);
        removed.push(join(this.folder, uploadId));
      }
    }
    const untouchedSince = now - this.config.upload.sessionTtlSeconds * 1000 - SWEEP_GRACE_MS;
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || !UUID.test(entry.name)) continue;
      const path = join(this.root, entry.name);
      if (entry.name === this.instanceId) {
        for (const upload of await readdir(path).catch(() => [])) {
          if (this.reserved.has(upload)) continue;
          if (await modifiedBefore(join(path, upload), untouchedSince)) {
            await rm(join(path, upload), { recursive: true, force: true }).catch(() => undefined);
            removed.push(join(path, upload));
          }
        }
      } else if (await modifiedBefore(path, now - ABANDONED_AFTER_MS)) {
        await rm(path, { recursive: true, force: true }).catch(() => undefined);
        removed.push(path);
      }
    }
    if (removed.length > 0) this.logger.log({ event: 'upload.spool.swept', removed: removed.length });
    return removed;
  }

  private reserve(uploadId: string, attemptId: string, bytes: number, expiresAt: number): void {
    const reservation = this.reserved.get(uploadId) ?? { sends: new Map<string, number>(), expiresAt };
    reservation.sends.set(attemptId, bytes);
    this.reserved.set(uploadId, reservation);
    this.reservedBytes += bytes;
  }

  /** Gives back one send's space; nothing when the upload's copy was discarded meanwhile. */
  private unreserve(uploadId: string, attemptId: string): void {
    const reservation = this.reserved.get(uploadId);
    const bytes = reservation?.sends.get(attemptId);
    if (!reservation || bytes === undefined) return;
    reservation.sends.delete(attemptId);
    this.reservedBytes -= bytes;
    if (reservation.sends.size === 0) this.reserved.delete(uploadId);
  }
}

/** Chunks gathered before one write: fewer, larger writes than one per network chunk. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes one part's chunks as they pass, in batches of about 1 MiB with one write in flight while the next
 * batch gathers (at most about 2 MiB held), and hashes them with MD5 (the ETag S3 gives a part is its
 * MD5). `finish` says whether the file holds the whole part.
 */
export class SpoolWriter {
  private position = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failed = false;
  private closed = false;
  private readonly md5: Hash = createHash('md5');

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.failed || this.closed) return;
    this.md5.update(chunk);
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes < WRITE_BATCH_BYTES) return;
    await this.inFlight;
    this.flush();
  }

  /** Writes what is left and closes the file. Safe to call more than once. */
  async finish(): Promise<SpoolResult> {
    if (!this.closed) {
      this.closed = true;
      await this.inFlight;
      if (!this.failed && this.batchBytes > 0) this.flush();
      await this.inFlight;
      await this.handle.close().catch(() => {
        this.failed = true;
      });
    }
    return { complete: !this.failed && this.position === this.size, md5: this.md5.copy().digest('hex') };
  }

  private flush(): void {
    const chunks = this.batch;
    const length = this.batchBytes;
    const position = this.position;
    this.position += length;
    this.batch = [];
    this.batchBytes = 0;
    this.inFlight = this.handle.writev(chunks, position).then(
      ({ bytesWritten }) => {
        if (bytesWritten !== length) this.failed = true;
      },
      // A full or failing disk costs only the shortcut: finalize reads this part from the store.
      () => {
        this.failed = true;
      },
    );
  }
}

/** A copy whose bytes are no longer those written: finalize then reads the store. */
export class SpoolMismatchError extends Error {
  constructor(readonly partNumber: number) {
    super(`the local copy of part ${partNumber} changed on disk`);
    this.name = 'SpoolMismatchError';
  }
}

async function* checkedFiles(
  files: readonly { path: string; md5: string; partNumber: number }[],
): AsyncGenerator<Buffer> {
  for (const file of files) {
    const md5 = createHash('md5');
    for await (const chunk of readFilesReusingBuffer([file.path])) {
      md5.update(chunk);
      yield chunk;
    }
    if (md5.digest('hex') !== file.md5) throw new SpoolMismatchError(file.partNumber);
  }
}

function partFile(partNumber: number, attemptId: string): string {
  return `${partNumber}.${attemptId}`;
}

async function modifiedBefore(path: string, limit: number): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && info.mtimeMs < limit;
}
