import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
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

/** How often leftovers of crashed processes and abandoned uploads are looked for. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
/** Spool folders untouched this long past the session lifetime belong to nothing that can still finalize. */
const SWEEP_GRACE_MS = 60 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A local copy of the parts this process streamed to the store for proxy uploads, so finalize can inspect
 * the bundle from local disk instead of reading it back from S3 (the read-back costs about as long as the
 * upload itself on Ceph RGW). The copy is written from the very chunks handed to the store, so it holds
 * exactly what this process sent; whether the store still holds the same is decided by the per-part attempt
 * records in PostgreSQL (see UploadService.spooledSource), not here.
 *
 * Layout: `<UPLOAD_SPOOL_DIR>/<instance>/<uploadId>/<part>.<attempt>`. The instance folder is new for each
 * process, so a restarted API never trusts a file it did not write itself. Space is reserved per part
 * before it is written; past `UPLOAD_SPOOL_MAX_BYTES` a part is simply not spooled (finalize then reads the
 * store, as before). 0 turns the spool off.
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
  private readonly reserved = new Map<string, number>();
  private sweepTimer?: NodeJS.Timeout;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.root = config.upload.spoolDir;
    this.folder = join(this.root, this.instanceId);
    this.maxBytes = config.upload.spoolMaxBytes;
  }

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    void this.sweep();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweepTimer);
    if (this.enabled) await rm(this.folder, { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * A writer for one part, or undefined when the spool is off or full (the part then goes to the store
   * only). The writer's space stays reserved until the upload's spool is discarded.
   */
  async open(uploadId: string, partNumber: number, attemptId: string, size: number): Promise<SpoolWriter | undefined> {
    if (!this.enabled || this.reservedBytes + size > this.maxBytes) return undefined;
    this.reservedBytes += size;
    this.reserved.set(uploadId, (this.reserved.get(uploadId) ?? 0) + size);
    try {
      const folder = join(this.folder, uploadId);
      await mkdir(folder, { recursive: true });
      const handle = await open(join(folder, partFile(partNumber, attemptId)), 'wx');
      return new SpoolWriter(handle, size);
    } catch (error) {
      this.logger.warn({ event: 'upload.spool.unavailable', uploadId, error: String(error) });
      return undefined;
    }
  }

  /**
   * The parts in order as one stream of chunks on one reused buffer (each valid until the next is asked
   * for, as inspectBundle reads), or undefined when any file is missing or of another size.
   */
  async reader(uploadId: string, parts: readonly SpooledPart[]): Promise<AsyncIterable<Buffer> | undefined> {
    const files: string[] = [];
    for (const part of parts) {
      const file = join(this.folder, uploadId, partFile(part.partNumber, part.attemptId));
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile() || info.size !== part.size) return undefined;
      files.push(file);
    }
    return readFilesReusingBuffer(files);
  }

  /** Removes an upload's spooled parts and gives their space back. Never throws. */
  async discard(uploadId: string): Promise<void> {
    const bytes = this.reserved.get(uploadId);
    if (bytes !== undefined) {
      this.reserved.delete(uploadId);
      this.reservedBytes -= bytes;
    }
    if (!this.enabled) return;
    await rm(join(this.folder, uploadId), { recursive: true, force: true }).catch((error: unknown) =>
      this.logger.warn({ event: 'upload.spool.cleanup_failed', uploadId, error: String(error) }),
    );
  }

  /**
   * Removes spool folders nobody can finalize from any more: this process's uploads untouched for longer
   * than a session lives (plus an hour), and whole folders of other processes (crashed or stopped ones, on
   * a host several APIs share) untouched as long.
   */
  async sweep(now = Date.now()): Promise<string[]> {
    const removed: string[] = [];
    const limit = now - this.config.upload.sessionTtlSeconds * 1000 - SWEEP_GRACE_MS;
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory() || !UUID.test(entry.name)) continue;
      const path = join(this.root, entry.name);
      if (entry.name === this.instanceId) {
        for (const upload of await readdir(path).catch(() => [])) {
          if (await olderThan(join(path, upload), limit)) {
            await this.discard(upload);
            removed.push(join(path, upload));
          }
        }
      } else if (await olderThan(path, limit, true)) {
        await rm(path, { recursive: true, force: true }).catch(() => undefined);
        removed.push(path);
      }
    }
    if (removed.length > 0) this.logger.log({ event: 'upload.spool.swept', removed: removed.length });
    return removed;
  }
}

/** Chunks gathered before one write: fewer, larger writes than one per network chunk. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Writes one part's chunks as they pass, in batches of about 1 MiB with one write in flight while the next
 * batch gathers (at most about 2 MiB held). `finish` says whether the file holds the whole part.
 */
export class SpoolWriter {
  private position = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.failed) return;
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes < WRITE_BATCH_BYTES) return;
    await this.inFlight;
    this.flush();
  }

  /** Writes what is left and closes the file; true when it holds exactly the part. */
  async finish(): Promise<boolean> {
    await this.inFlight;
    if (!this.failed && this.batchBytes > 0) this.flush();
    await this.inFlight;
    await this.handle.close().catch(() => {
      this.failed = true;
    });
    return !this.failed && this.position === this.size;
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

function partFile(partNumber: number, attemptId: string): string {
  return `${partNumber}.${attemptId}`;
}

/** True when the newest modification under `path` (one level down when `deep`) is before `limit`. */
async function olderThan(path: string, limit: number, deep = false): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return false;
  if (info.mtimeMs >= limit) return false;
  if (!deep) return true;
  for (const child of await readdir(path).catch(() => [])) {
    const childInfo = await stat(join(path, child)).catch(() => undefined);
    if (childInfo && childInfo.mtimeMs >= limit) return false;
  }
  return true;
}
