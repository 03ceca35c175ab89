import { randomBytes } from 'node:crypto';
import { close, constants, createReadStream, fstat, open } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  type BundleFile,
  type BundleLimits,
  DEFAULT_BUNDLE_LIMITS,
  inspectBundle,
  isBundleError,
  type ManifestV2,
} from '@extplat/bundle';
import { contentHashFromHex, type ContentHash, isContentHash } from '@extplat/contracts';
import type { SigningConfig } from '@extplat/server-core';
import { MAX_SIGNATURE_ENVELOPE_BYTES, TrustStore, verifyBundleSignature } from '@extplat/signing';
import { type BundleStore, isStorageError, type KeyPolicy, StorageError } from '@extplat/storage';
import {
  CACHE_FILES_DIR,
  type CacheIndex,
  type CachedFileInfo,
  hashFile,
  readCacheIndex,
  signingFingerprint,
  verdictSummary,
  writeCacheIndex,
} from './cache-index.js';
import { BundleCacheError, cacheFull, isBundleCacheError, isNoSpace } from './cache.errors.js';

export interface BundleTimings {
  /** The GET request plus the time spent waiting for the store's bytes. */
  fetchMs: number;
  /** Signature fetch and verification. */
  verifyMs: number;
  /** Decompression, safety checks and extraction (overlapping the download), file digests, index, rename. */
  unpackMs: number;
}

/** A verified, unpacked bundle on local disk. */
export interface CachedBundle {
  contentHash: ContentHash;
  /** Root of the unpacked bundle tree. */
  dir: string;
  manifest: ManifestV2;
  /** Every regular file by its bundle path. */
  files: ReadonlyMap<string, CachedFileInfo>;
  /** Absolute path of `manifest.entry`, the component. */
  componentPath: string;
  /** Unpacked size: the sum of the file sizes. */
  bytes: number;
  /** Only when this call had to fetch the bundle. */
  timings?: BundleTimings;
}

/** A cached bundle that LRU eviction leaves alone until `release()` (idempotent). */
export interface BundleLease extends CachedBundle {
  readonly release: () => void;
}

/** One file of a cached bundle, opened after the cheap size check; the lease lasts until it is streamed or closed. */
export interface OpenedFile {
  readonly bundle: CachedBundle;
  /** Bundle path. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** Reads the file once; the file closes and the lease ends when the stream closes, however it ends. */
  stream(): Readable;
  /** Closes the file without reading it (HEAD, 304). */
  close(): Promise<void>;
}

/** Cache events for metrics (implemented by the Runner's metrics service). */
export interface BundleCacheObserver {
  /** A call found the bundle ready (or verified an entry adopted from disk). */
  hit(): void;
  /** A call had to wait for a fetch (its own or a concurrent one). */
  miss(): void;
  /** Bytes read from the bundle store by one fetch, whatever its outcome. */
  fetched(bytes: number): void;
  /** A fetch failed with this BundleCacheErrorCode (once per fetch, not per waiting call). */
  rejected(code: string): void;
}

export interface BundleCacheOptions {
  store: BundleStore;
  keys: KeyPolicy;
  /** RUNNER_CACHE_DIR; temporary directories are made inside it, so the final rename stays on one filesystem. */
  dir: string;
  /** Bound on the unpacked bytes of all entries; a single bundle larger than it is still kept while it is the newest. */
  maxBytes: number;
  limits?: Partial<BundleLimits>;
  /** The Runner's own trust configuration: it never relies on the API's verdict. */
  signing: SigningConfig;
  observer?: BundleCacheObserver;
  logger?: Pick<LoggerService, 'log' | 'warn'>;
  /**
   * When the platform registered this content (the registry's `published_at`). Certificates are checked
   * for validity at that moment, everything else (chain, signature, publisher, revocation) now: a
   * publisher certificate that expires after publication must not break the versions it signed on the
   * next cache miss, while a revocation still does. Unknown (or absent): the current time.
   */
  registeredAt?: (contentHash: ContentHash) => Promise<Date | undefined>;
}

interface Entry {
  hex: string;
  /** `<cacheDir>/<hex>` */
  root: string;
  bundle: CachedBundle;
  refs: number;
  /** Every file was checked against its digest in this process. */
  verified: boolean;
  dropped: boolean;
}

interface Load {
  promise: Promise<{ entry: Entry; timings?: BundleTimings }>;
  /** Calls waiting for it; each gets a reference when the entry is registered. */
  waiting: { count: number };
}

// Callback-based descriptors: FileHandle streams cost a promise per read, which shows on small static files.
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const closeFd = promisify(close);

const HEX_NAME = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';

/**
 * Guarantees a verified, unpacked bundle on local disk (ARCHITECTURE §9.2). A miss streams
 * `bundle.tar.zst` from the store through the safe reader into a temporary directory, requires the
 * computed hash to be the key's, verifies the signature under this Runner's own policy and trust, writes
 * an index (size and SHA-256 of every file) and renames the whole directory into place: nothing is used
 * before all of that passed. Concurrent misses of one hash share one fetch. Entries are evicted least
 * recently used first when their total passes `maxBytes`, never while leased. An entry adopted from an
 * earlier process has every file verified on its first use; every opened file has its size checked;
 * a mismatch drops the entry and fetches it again. One Runner process per cache directory.
 */
export class BundleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Load>();
  private readonly removals = new Map<string, Promise<void>>();
  private readonly limits: BundleLimits;
  private readonly trust: TrustStore | null;
  private readonly settings: string;
  private readonly logger: Pick<LoggerService, 'log' | 'warn'>;
  private totalBytes = 0;
  private starting?: Promise<void>;

  constructor(private readonly options: BundleCacheOptions) {
    this.limits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
    // Parsed once: a broken trust bundle stops the Runner at start-up instead of rejecting every bundle.
    this.trust = options.signing.trustBundlePem ? TrustStore.fromPem(options.signing.trustBundlePem) : null;
    this.settings = signingFingerprint(options.signing);
    this.logger = options.logger ?? new Logger('BundleCache');
  }

  /** Entries and their unpacked bytes, for metrics and readiness. */
  stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes, maxBytes: this.options.maxBytes };
  }

  /**
   * Creates the cache directory, deletes temporary directories left by an interrupted process and adopts
   * the complete entries (valid index under the current signing settings); anything else of ours is removed.
   * Idempotent; the other methods call it first.
   */
  start(): Promise<void> {
    this.starting ??= this.adoptExisting();
    return this.starting;
  }

  /** The bundle, fetched and verified if needed. Without a lease: use {@link acquire} while reading its files. */
  async ensure(contentHash: ContentHash): Promise<CachedBundle> {
    const lease = await this.acquire(contentHash);
    lease.release();
    const { release: _release, ...bundle } = lease;
    return bundle;
  }

  /** The bundle under a lease: it is not evicted until `release()`. */
  async acquire(contentHash: ContentHash): Promise<BundleLease> {
    if (!isContentHash(contentHash)) throw new TypeError('contentHash must be "sha256:" and 64 lowercase hex digits');
    const hex = contentHash.slice('sha256:'.length);
    await (this.starting ?? this.start());
    const ready = this.entries.get(hex);
    if (ready?.verified) {
      ready.refs += 1;
      this.touch(ready);
      this.options.observer?.hit();
      return this.lease(ready);
    }
    let load = this.loads.get(hex);
    if (!load) {
      const waiting = { count: 0 };
      load = { waiting, promise: this.load(hex, waiting) };
      this.loads.set(hex, load);
    }
    load.waiting.count += 1;
    const { entry, timings } = await load.promise;
    if (timings) this.options.observer?.miss();
    else this.options.observer?.hit();
    return this.lease(entry, timings);
  }

  /** Runs `work` with the bundle leased, and releases it afterwards. */
  async use<T>(contentHash: ContentHash, work: (bundle: CachedBundle) => Promise<T>): Promise<T> {
    const lease = await this.acquire(contentHash);
    try {
      return await work(lease);
    } finally {
      lease.release();
    }
  }

  /**
   * Opens the file `choose` picks (a bundle path, or null for none) after the cheap check: the open file
   * must be a regular file of the size in the index. A failed check drops the entry, fetches the bundle
   * again and retries once. Null when `choose` picks nothing or a path that is not a file of the bundle.
   */
  async openFile(
    contentHash: ContentHash,
    choose: (bundle: CachedBundle) => string | null,
  ): Promise<OpenedFile | null> {
    for (let attempt = 1; ; attempt += 1) {
      const lease = await this.acquire(contentHash);
      let fd: number | undefined;
      let problem: string;
      try {
        const path = choose(lease);
        const info = path === null ? undefined : lease.files.get(path);
        if (path === null || !info) {
          lease.release();
          return null;
        }
        try {
          // O_NOFOLLOW: the tree holds only regular files we wrote; a symlink there is tampering.
          fd = await openFd(join(lease.dir, path), constants.O_RDONLY | constants.O_NOFOLLOW);
          const stats = await fstatFd(fd);
          if (stats.isFile() && stats.size === info.size) return openedFile(lease, path, info, fd);
          problem = `${path} is ${stats.isFile() ? `${stats.size} bytes, the index says ${info.size}` : 'not a file'}`;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ELOOP' && code !== 'ENOTDIR' && code !== 'EISDIR') throw error;
          problem = `${path}: ${code}`;
        }
      } catch (error) {
        if (fd !== undefined) await closeFd(fd);
        lease.release();
        throw error;
      }
      if (fd !== undefined) await closeFd(fd);
      lease.release();
      this.dropCorrupt(contentHash, problem);
      if (attempt >= 2)
        throw new Error(`cache entry ${contentHash} is corrupt again right after a fresh fetch: ${problem}`);
    }
  }

  /** Drops the entry (it is fetched again on next use), e.g. after its component turned out to be damaged. */
  invalidate(contentHash: ContentHash): void {
    if (!isContentHash(contentHash)) throw new TypeError('contentHash must be "sha256:" and 64 lowercase hex digits');
    const entry = this.entries.get(contentHash.slice('sha256:'.length));
    if (entry) this.remove(entry);
  }

  /** Waits for running fetches and removals (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.loads.values()].map((load) => load.promise));
    await Promise.allSettled([...this.removals.values()]);
  }

  private dropCorrupt(contentHash: ContentHash, problem: string): void {
    this.logger.warn({ msg: 'Corrupt bundle cache entry dropped; fetching it again', contentHash, problem });
    this.invalidate(contentHash);
  }

  private lease(entry: Entry, timings?: BundleTimings): BundleLease {
    let released = false;
    return {
      ...entry.bundle,
      ...(timings ? { timings } : {}),
      release: () => {
        if (released) return;
        released = true;
        entry.refs -= 1;
        if (entry.refs === 0 && this.totalBytes > this.options.maxBytes) this.evictOverBudget();
      },
    };
  }

  /** Most recently used entries sit at the end of the map. */
  private touch(entry: Entry): void {
    this.entries.delete(entry.hex);
    this.entries.set(entry.hex, entry);
  }

  /**
   * Verifies an entry adopted from disk, or fetches the bundle. The entry is registered in the same
   * synchronous step that hands it a reference per waiting call, so eviction can never slip in between.
   */
  private async load(hex: string, waiting: Load['waiting']): Promise<{ entry: Entry; timings?: BundleTimings }> {
    try {
      const adopted = this.entries.get(hex);
      if (adopted && (await this.verifyAdopted(adopted))) {
        adopted.refs += waiting.count;
        this.touch(adopted);
        return { entry: adopted };
      }
      const { entry, timings } = await this.fetch(hex);
      entry.refs = waiting.count;
      this.entries.set(hex, entry);
      this.totalBytes += entry.bundle.bytes;
      this.evictOverBudget();
      return { entry, timings };
    } finally {
      this.loads.delete(hex);
    }
  }

  /** Full check of an entry from an earlier process: every file's size and SHA-256 against the index. */
  private async verifyAdopted(entry: Entry): Promise<boolean> {
    entry.refs += 1;
    let problem: string | undefined;
    try {
      for (const [path, info] of entry.bundle.files) {
        const digest = await hashFile(join(entry.bundle.dir, path)).catch((error: NodeJS.ErrnoException) => {
          problem = `${path}: ${error.code ?? String(error)}`;
          return undefined;
        });
        if (problem) break;
        if (digest !== info.sha256) {
          problem = `${path} does not match its SHA-256 in the index`;
          break;
        }
      }
    } finally {
      entry.refs -= 1;
    }
    if (entry.dropped) return false;
    if (problem) {
      this.dropCorrupt(entry.bundle.contentHash, problem);
      return false;
    }
    entry.verified = true;
    return true;
  }

  private async fetch(hex: string): Promise<{ entry: Entry; timings: BundleTimings }> {
    const contentHash = contentHashFromHex(hex);
    const temp = join(this.options.dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    const filesDir = join(temp, CACHE_FILES_DIR);
    const counter = { bytes: 0, waitingMs: 0 };
    const started = performance.now();
    try {
      const object = await this.options.store
        .get(this.options.keys.canonical(contentHash, 'bundle.tar.zst'))
        .catch((error: unknown) => {
          throw storageFailure(error, contentHash, 'bundle.tar.zst');
        });
      const answered = performance.now();
      if (object.contentLength > this.limits.maxBytes) {
        object.body.destroy();
        throw new BundleCacheError('BUNDLE_INVALID', `the stored bundle is larger than ${this.limits.maxBytes} bytes`, {
          contentHash,
          bundleError: 'BUNDLE_TOO_LARGE',
          limit: this.limits.maxBytes,
        });
      }
      const inspection = await inspectBundle(meteredSource(object.body, counter), {
        limits: this.limits,
        extractTo: filesDir,
      }).catch((error: unknown) => {
        if (isBundleError(error)) {
          throw new BundleCacheError('BUNDLE_INVALID', `the stored bundle is not acceptable: ${error.message}`, {
            contentHash,
            bundleError: error.code,
            ...(error.entry ? { entry: error.entry } : {}),
          });
        }
        throw storageFailure(error, contentHash, 'bundle.tar.zst');
      });
      if (inspection.contentHash !== contentHash) {
        throw new BundleCacheError('BUNDLE_INTEGRITY', 'the stored bytes do not match their content hash', {
          contentHash,
          actual: inspection.contentHash,
        });
      }
      const files = await digestFiles(filesDir, inspection.files);
      const unpacked = performance.now();
      const verdict = await this.verifySignature(contentHash, inspection.manifest);
      const verified = performance.now();
      const index: CacheIndex = {
        format: 'extplat-runner-cache/v1',
        contentHash,
        size: inspection.size,
        unpackedBytes: inspection.unpackedSize,
        files: Object.fromEntries(files),
        manifest: inspection.manifest,
        signature: verdict,
        createdAt: new Date().toISOString(),
      };
      await writeCacheIndex(temp, index);
      const root = join(this.options.dir, hex);
      await this.removals.get(hex);
      await moveIntoPlace(temp, root, () => this.trashDirectory(root));
      const done = performance.now();
      return {
        entry: {
          hex,
          root,
          bundle: bundleOf(root, index, files),
          refs: 0,
          verified: true,
          dropped: false,
        },
        timings: {
          fetchMs: round(answered - started + counter.waitingMs),
          verifyMs: round(verified - unpacked),
          unpackMs: round(unpacked - answered - counter.waitingMs + (done - verified)),
        },
      };
    } catch (failure) {
      await rm(temp, { recursive: true, force: true });
      const error = isNoSpace(failure) ? cacheFull(this.options.dir) : failure;
      if (isBundleCacheError(error)) {
        this.options.observer?.rejected(error.code);
        // The store served something this Runner refuses: worth an operator's attention, not only a metric.
        if (error.code === 'CACHE_FULL') {
          this.logger.warn({ msg: 'Runner cache volume full', dir: this.options.dir, contentHash });
        } else if (error.code !== 'BUNDLE_NOT_FOUND' && error.code !== 'STORAGE_UNAVAILABLE') {
          this.logger.warn({
            msg: 'Bundle refused on a cache miss',
            code: error.code,
            message: error.message,
            ...error.details,
          });
        }
      }
      throw error;
    } finally {
      if (counter.bytes > 0) this.options.observer?.fetched(counter.bytes);
    }
  }

  /** The signature verdict under SIGNING_POLICY; anything not accepted is SIGNATURE_REJECTED. */
  private async verifySignature(contentHash: ContentHash, manifest: ManifestV2): Promise<CacheIndex['signature']> {
    const { policy, revokedFingerprints } = this.options.signing;
    const envelope = policy === 'off' ? null : await this.readSignature(contentHash);
    const registeredAt = envelope ? await this.options.registeredAt?.(contentHash) : undefined;
    const verdict = verifyBundleSignature({
      contentHash,
      envelope,
      ...(registeredAt ? { now: registeredAt } : {}),
      publisher: manifest.publisher,
      trust: this.trust,
      revokedFingerprints,
      policy,
    });
    if (!verdict.accepted) {
      const failed = verdict.checks.find((check) => check.status === 'fail');
      throw new BundleCacheError('SIGNATURE_REJECTED', `the bundle's signature is not accepted: ${verdict.message}`, {
        contentHash,
        policy,
        code: verdict.code,
        ...(failed ? { check: failed.name } : {}),
      });
    }
    return verdictSummary(verdict, this.settings);
  }

  /** signature.json, or null when there is none; read up to one byte past the envelope limit (then refused). */
  private async readSignature(contentHash: ContentHash): Promise<string | null> {
    let object;
    try {
      object = await this.options.store.get(this.options.keys.canonical(contentHash, 'signature.json'));
    } catch (error) {
      if (isStorageError(error, 'NOT_FOUND')) return null;
      throw storageFailure(error, contentHash, 'signature.json');
    }
    const chunks: Buffer[] = [];
    let length = 0;
    try {
      for await (const chunk of object.body as AsyncIterable<Buffer>) {
        chunks.push(chunk);
        length += chunk.length;
        if (length > MAX_SIGNATURE_ENVELOPE_BYTES) break;
      }
    } catch (error) {
      throw storageFailure(error, contentHash, 'signature.json');
    } finally {
      object.body.destroy();
    }
    return Buffer.concat(chunks)
      .subarray(0, MAX_SIGNATURE_ENVELOPE_BYTES + 1)
      .toString('utf8');
  }

  /** Evicts least recently used entries without a lease until the total fits; the newest entry always stays. */
  private evictOverBudget(): void {
    if (this.totalBytes <= this.options.maxBytes) return;
    const newest = [...this.entries.keys()].at(-1);
    for (const entry of [...this.entries.values()]) {
      if (this.totalBytes <= this.options.maxBytes) break;
      if (entry.refs > 0 || entry.hex === newest) continue;
      this.logger.log({
        msg: 'Bundle cache entry evicted',
        contentHash: entry.bundle.contentHash,
        bytes: entry.bundle.bytes,
      });
      this.remove(entry);
    }
  }

  /**
   * Forgets the entry now and deletes its directory in the background (renamed away first, so a fetch of
   * the same hash can take the name at once). Open files keep working; leases only protect against eviction.
   */
  private remove(entry: Entry): void {
    if (entry.dropped) return;
    entry.dropped = true;
    this.entries.delete(entry.hex);
    this.totalBytes -= entry.bundle.bytes;
    const removal = this.trashDirectory(entry.root)
      .catch((error: unknown) => {
        this.logger.warn({ msg: 'Could not delete a bundle cache entry', dir: entry.root, error: String(error) });
      })
      .finally(() => {
        if (this.removals.get(entry.hex) === removal) this.removals.delete(entry.hex);
      });
    this.removals.set(entry.hex, removal);
  }

  private async trashDirectory(dir: string): Promise<void> {
    const trash = join(this.options.dir, `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await rename(dir, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await rm(trash, { recursive: true, force: true });
  }

  private async adoptExisting(): Promise<void> {
    const dir = this.options.dir;
    await mkdir(dir, { recursive: true });
    const adopted: { hex: string; index: CacheIndex; mtimeMs: number }[] = [];
    let cleaned = 0;
    for (const item of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, item.name);
      if (item.name.startsWith(TEMP_PREFIX) || item.name.startsWith(TRASH_PREFIX)) {
        await rm(path, { recursive: true, force: true });
        cleaned += 1;
        continue;
      }
      // Only names this class creates are touched: RUNNER_CACHE_DIR may be shared with other files.
      if (!HEX_NAME.test(item.name) || !item.isDirectory()) continue;
      const read = await readCacheIndex(path, item.name, this.settings);
      if ('problem' in read) {
        this.logger.warn({ msg: 'Unusable bundle cache entry removed', dir: path, problem: read.problem });
        await rm(path, { recursive: true, force: true });
        cleaned += 1;
        continue;
      }
      adopted.push({ hex: item.name, ...read });
    }
    adopted.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { hex, index } of adopted) {
      const root = join(dir, hex);
      const files = new Map(Object.entries(index.files));
      this.entries.set(hex, {
        hex,
        root,
        bundle: bundleOf(root, index, files),
        refs: 0,
        verified: false,
        dropped: false,
      });
      this.totalBytes += index.unpackedBytes;
    }
    this.evictOverBudget();
    this.logger.log({
      msg: 'Bundle cache ready',
      dir,
      entries: this.entries.size,
      bytes: this.totalBytes,
      removed: cleaned,
    });
  }
}

function bundleOf(root: string, index: CacheIndex, files: ReadonlyMap<string, CachedFileInfo>): CachedBundle {
  const dir = join(root, CACHE_FILES_DIR);
  return {
    contentHash: index.contentHash,
    dir,
    manifest: index.manifest,
    files,
    componentPath: join(dir, index.manifest.entry),
    bytes: index.unpackedBytes,
  };
}

function openedFile(lease: BundleLease, path: string, info: CachedFileInfo, fd: number): OpenedFile {
  const { release: _release, ...bundle } = lease;
  let used = false;
  const claim = (): void => {
    if (used) throw new Error(`${path} was already read or closed`);
    used = true;
  };
  return {
    bundle,
    path,
    size: info.size,
    sha256: info.sha256,
    stream: () => {
      claim();
      // A known end lets a small file go out in one read of its exact size, with no read to find the end.
      const stream = createReadStream(join(lease.dir, path), {
        fd,
        autoClose: true,
        start: 0,
        end: Math.max(0, info.size - 1),
      });
      stream.once('close', lease.release);
      return stream;
    },
    close: async () => {
      claim();
      try {
        await closeFd(fd);
      } finally {
        lease.release();
      }
    },
  };
}

/** The store's byte stream, counted and timed; its failures become StorageError('UNAVAILABLE'). */
async function* meteredSource(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  counter: { bytes: number; waitingMs: number },
): AsyncGenerator<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const waitStarted = performance.now();
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new StorageError('UNAVAILABLE', 'reading the bundle from the store failed', undefined, { cause: error });
      }
      counter.waitingMs += performance.now() - waitStarted;
      if (next.done) return;
      counter.bytes += next.value.byteLength;
      yield next.value;
    }
  } finally {
    body.destroy();
  }
}

function storageFailure(error: unknown, contentHash: ContentHash, file: string): unknown {
  if (isStorageError(error, 'NOT_FOUND')) {
    return new BundleCacheError('BUNDLE_NOT_FOUND', 'the bundle store has no bundle with this content hash', {
      contentHash,
    });
  }
  if (isStorageError(error)) {
    return new BundleCacheError('STORAGE_UNAVAILABLE', `the bundle store could not serve ${file}; try again shortly`, {
      contentHash,
    });
  }
  return error;
}

/** Size and SHA-256 of every extracted file, read back from disk once, for the index. */
async function digestFiles(root: string, files: readonly BundleFile[]): Promise<Map<string, CachedFileInfo>> {
  const digests = new Map<string, CachedFileInfo>();
  for (const file of files) digests.set(file.path, { size: file.size, sha256: await hashFile(join(root, file.path)) });
  return digests;
}

/** Atomic publication; a directory already at `target` (not in the cache's map, so stale) is replaced once. */
async function moveIntoPlace(temp: string, target: string, trashTarget: () => Promise<void>): Promise<void> {
  try {
    await rename(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
    await trashTarget();
    await rename(temp, target);
  }
}

function round(ms: number): number {
  return Math.max(0, Math.round(ms * 10) / 10);
}
