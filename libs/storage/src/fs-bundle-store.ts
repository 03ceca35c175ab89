import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type BigIntStats } from 'node:fs';
import {
  link,
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { listenedBody } from './body-streams.js';
import { StorageError } from './errors.js';
import { assertSafeKey, assertSafePrefix } from './key-policy.js';
import {
  DEFAULT_CONTENT_TYPE,
  MIN_PART_SIZE,
  assertCompletionOrder,
  assertPartNumber,
  normaliseMetadata,
  resolveRange,
  unquoteEtag,
} from './object-rules.js';
import type {
  BundleStore,
  BundleStoreCapabilities,
  ByteRange,
  CompletedPart,
  CopyObjectOptions,
  CreateObjectResult,
  GetObjectResult,
  ListObjectsOptions,
  ObjectInfo,
  PresignedRequest,
  PresignPartOptions,
  PresignPutOptions,
  PutObjectOptions,
  PutObjectResult,
  UploadedPart,
} from './types.js';

export interface FsStoreConfig {
  /** Directory holding the objects; created when missing. */
  root: string;
}

/**
 * The driver's own folder under the root. Keys can never name it: `assertSafeKey` rejects segments that
 * start with ".".
 */
const RESERVED_DIR = '.extplat';
/** How long a reader waits for a writer caught between writing an object and writing its sidecar. */
const SIDECAR_WAITS_MS = [5, 20, 50, 100];
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What S3 keeps beside an object's bytes. `ino` and `size` name the file version the sidecar describes:
 * data and sidecar are two files replaced one after the other, and a reader must never pair one version's
 * bytes with another version's ETag.
 */
interface Sidecar {
  ino: string;
  size: number;
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
}

interface UploadRecord {
  key: string;
  contentType: string;
  metadata: Record<string, string>;
}

interface OpenObject {
  handle: FileHandle;
  stat: BigIntStats;
  sidecar: Sidecar;
}

interface TempFile {
  path: string;
  md5: Buffer;
  size: number;
}

/**
 * A BundleStore on a local directory, for single-node installs. Layout under the root:
 *
 *   <key>                               object bytes
 *   .extplat/meta/<key>.json            sidecar: ETag, content type, user metadata
 *   .extplat/tmp/<uuid>                 files being written; renamed or linked into place when complete
 *   .extplat/uploads/<uploadId>/        multipart: upload.json, parts/<n>.json, blobs/<md5 of a part>
 *
 * Objects appear atomically (rename, or link for create-if-absent) and ETags follow S3's scheme, so the
 * same contract tests pass here and on S3. One difference is inherent to a filesystem: a key cannot be
 * both an object and a "folder" of other keys (`a` and `a/b`); the second write fails with INVALID_KEY.
 */
export class FsBundleStore implements BundleStore {
  readonly driver = 'fs' as const;
  readonly capabilities: BundleStoreCapabilities = { presignedUploads: false };

  private readonly root: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;
  private readonly uploadsDir: string;

  constructor(config: FsStoreConfig) {
    this.root = path.resolve(config.root);
    const reserved = path.join(this.root, RESERVED_DIR);
    this.metaDir = path.join(reserved, 'meta');
    this.tmpDir = path.join(reserved, 'tmp');
    this.uploadsDir = path.join(reserved, 'uploads');
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.tmpDir, { recursive: true });
      const probe = path.join(this.tmpDir, `ping-${randomUUID()}`);
      await writeFile(probe, '');
      await unlink(probe);
    } catch (error) {
      throw new StorageError('UNAVAILABLE', `store directory is not writable: ${this.root}`, {}, { cause: error });
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    const object = await this.openObject(key);
    if (!object) return null;
    await object.handle.close();
    return objectInfo(key, object, true);
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<GetObjectResult> {
    assertSafeKey(key);
    const object = await this.openObject(key);
    if (!object) throw notFound(key);
    const { handle, stat, sidecar } = object;
    try {
      const totalSize = Number(stat.size);
      const range = options.range ? resolveRange(options.range, totalSize) : undefined;
      // Reads the version opened above, even if the key is replaced meanwhile; closes it at the end.
      const body = handle.createReadStream(range ? { start: range.start, end: range.end } : { start: 0 });
      return {
        body,
        contentLength: range ? range.end - range.start + 1 : totalSize,
        totalSize,
        etag: sidecar.etag,
        contentType: sidecar.contentType,
        range,
      };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async put(key: string, body: Readable | Uint8Array, options: PutObjectOptions = {}): Promise<PutObjectResult> {
    assertSafeKey(key);
    const temp = await this.writeTemp(listenedBody(body, options.contentLength));
    try {
      const etag = temp.md5.toString('hex');
      await this.replaceObject(key, temp.path, { etag, ...describedBy(options) });
      return { etag };
    } finally {
      await rm(temp.path, { force: true });
    }
  }

  async createIfAbsent(
    key: string,
    body: Readable | Uint8Array,
    options: PutObjectOptions = {},
  ): Promise<CreateObjectResult> {
    assertSafeKey(key);
    const temp = await this.writeTemp(listenedBody(body, options.contentLength));
    try {
      // link() fails with EEXIST when anything is at the key: the check and the write are one atomic step,
      // and the object appears complete or not at all.
      const created = await this.intoPlace(key, (target) => link(temp.path, target));
      if (!created) return { status: 'exists' };
      const etag = temp.md5.toString('hex');
      const fileStat = await stat(temp.path, { bigint: true });
      await this.writeSidecar(key, { ino: String(fileStat.ino), size: temp.size, etag, ...describedBy(options) });
      return { status: 'created', etag };
    } finally {
      await rm(temp.path, { force: true });
    }
  }

  async copy(sourceKey: string, targetKey: string, options: CopyObjectOptions = {}): Promise<PutObjectResult> {
    assertSafeKey(sourceKey);
    assertSafeKey(targetKey);
    const source = await this.openObject(sourceKey);
    if (!source) throw notFound(sourceKey);
    if (options.ifSourceEtag !== undefined && options.ifSourceEtag !== source.sidecar.etag) {
      await source.handle.close();
      throw new StorageError('SOURCE_CHANGED', 'the source object changed since it was read', { key: sourceKey });
    }
    // The stream closes the handle when it ends or fails.
    const temp = await this.writeTemp(
      listenedBody(source.handle.createReadStream({ start: 0 }), Number(source.stat.size)),
    );
    try {
      // Same bytes, same ETag (as S3 servers report for a copy of a whole object).
      const { etag } = source.sidecar;
      await this.replaceObject(targetKey, temp.path, {
        etag,
        contentType: options.contentType ?? source.sidecar.contentType,
        metadata: options.metadata ? normaliseMetadata(options.metadata) : source.sidecar.metadata,
      });
      return { etag };
    } finally {
      await rm(temp.path, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    const dataPath = this.dataPath(key);
    try {
      await unlink(dataPath);
    } catch (error) {
      // Absent, or a "folder" of other keys (EISDIR on Linux, EPERM elsewhere): no object by that key.
      if (!hasCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'EPERM')) throw translateFsError(error, key);
      return;
    }
    await rm(this.sidecarPath(key), { force: true });
    await pruneEmptyDirs(path.dirname(dataPath), this.root);
    await pruneEmptyDirs(path.dirname(this.sidecarPath(key)), this.metaDir);
  }

  async *list(prefix: string, options: ListObjectsOptions = {}): AsyncGenerator<ObjectInfo, void, undefined> {
    assertSafePrefix(prefix);
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const startDir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    for await (const key of this.walk(startDir, prefix)) {
      const object = await this.openObject(key);
      if (!object) continue; // deleted while listing
      await object.handle.close();
      // Like an S3 listing: no content type or user metadata (head() has them).
      yield objectInfo(key, object, false);
      remaining -= 1;
      if (remaining <= 0) return;
    }
  }

  async createMultipartUpload(
    key: string,
    options: { contentType?: string; metadata?: Record<string, string> } = {},
  ): Promise<{ uploadId: string }> {
    assertSafeKey(key);
    const uploadId = randomUUID();
    const dir = this.uploadDir(uploadId);
    try {
      await mkdir(path.join(dir, 'parts'), { recursive: true });
      await mkdir(path.join(dir, 'blobs'));
      const record: UploadRecord = { key, ...describedBy(options) };
      // upload.json appears last and atomically: its presence is what makes the upload exist.
      await this.writeJson(path.join(dir, 'upload.json'), record);
    } catch (error) {
      throw translateFsError(error, key);
    }
    return { uploadId };
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable | Uint8Array,
    contentLength: number,
  ): Promise<{ etag: string }> {
    assertSafeKey(key);
    assertPartNumber(partNumber);
    const source = listenedBody(body, contentLength);
    try {
      await this.readUpload(key, uploadId);
    } catch (error) {
      if (source instanceof Readable) source.destroy();
      throw error;
    }
    const temp = await this.writeTemp(source);
    const etag = temp.md5.toString('hex');
    const dir = this.uploadDir(uploadId);
    try {
      // Blobs are named by content, so the part record below always points at complete bytes; re-sending
      // a part just switches its record to the new blob.
      await rename(temp.path, path.join(dir, 'blobs', etag));
      const record: UploadedPart = { partNumber, etag, size: temp.size };
      await this.writeJson(path.join(dir, 'parts', `${partNumber}.json`), record);
      return { etag };
    } catch (error) {
      // The upload's folder vanished under us: it was aborted or completed.
      if (hasCode(error, 'ENOENT')) throw noSuchUpload(key, uploadId);
      throw translateFsError(error, key);
    } finally {
      await rm(temp.path, { force: true });
    }
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[]> {
    assertSafeKey(key);
    await this.readUpload(key, uploadId);
    const partsDir = path.join(this.uploadDir(uploadId), 'parts');
    let names: string[];
    try {
      names = await readdir(partsDir);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) throw noSuchUpload(key, uploadId);
      throw translateFsError(error, key);
    }
    const parts: UploadedPart[] = [];
    for (const name of names.filter((entry) => /^\d+\.json$/.test(entry))) {
      const part = await readJson<UploadedPart>(path.join(partsDir, name));
      if (part) parts.push(part);
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<PutObjectResult> {
    assertSafeKey(key);
    assertCompletionOrder(parts);
    const upload = await this.readUpload(key, uploadId);
    const uploaded = new Map((await this.listParts(key, uploadId)).map((part) => [part.partNumber, part]));
    const chosen = parts.map(({ partNumber, etag }, index) => {
      const part = uploaded.get(partNumber);
      if (!part || part.etag !== unquoteEtag(etag)) {
        throw new StorageError('INVALID_PART', `part ${partNumber} was not uploaded with that ETag`, {
          key,
          uploadId,
          partNumber,
        });
      }
      if (index < parts.length - 1 && part.size < MIN_PART_SIZE) {
        throw new StorageError('INVALID_PART', `part ${partNumber} is smaller than ${MIN_PART_SIZE} bytes`, {
          key,
          uploadId,
          partNumber,
          size: part.size,
        });
      }
      return part;
    });

    const blobsDir = path.join(this.uploadDir(uploadId), 'blobs');
    const concatenated = Readable.from(
      (async function* () {
        for (const part of chosen) yield* createReadStream(path.join(blobsDir, part.etag));
      })(),
    );
    const totalSize = chosen.reduce((sum, part) => sum + part.size, 0);
    let temp: TempFile;
    try {
      temp = await this.writeTemp(listenedBody(concatenated, totalSize));
    } catch (error) {
      if (hasCode(error, 'ENOENT')) throw noSuchUpload(key, uploadId);
      throw error;
    }
    try {
      // S3's multipart ETag: MD5 of the parts' binary MD5s, then "-" and the number of parts.
      const digests = createHash('md5');
      for (const part of chosen) digests.update(Buffer.from(part.etag, 'hex'));
      const etag = `${digests.digest('hex')}-${chosen.length}`;
      await this.replaceObject(key, temp.path, { etag, contentType: upload.contentType, metadata: upload.metadata });
      await rm(this.uploadDir(uploadId), { recursive: true, force: true });
      return { etag };
    } finally {
      await rm(temp.path, { force: true });
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.readUpload(key, uploadId);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NO_SUCH_UPLOAD') return;
      throw error;
    }
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  presignPut(_key: string, _options: PresignPutOptions): Promise<PresignedRequest> {
    return Promise.reject(presignNotSupported());
  }

  presignUploadPart(
    _key: string,
    _uploadId: string,
    _partNumber: number,
    _options: PresignPartOptions,
  ): Promise<PresignedRequest> {
    return Promise.reject(presignNotSupported());
  }

  private dataPath(key: string): string {
    return path.join(this.root, key);
  }

  private sidecarPath(key: string): string {
    return path.join(this.metaDir, `${key}.json`);
  }

  /** Only ids this driver could have issued reach the filesystem, so an id can never be a path. */
  private uploadDir(uploadId: string): string {
    return path.join(this.uploadsDir, uploadId);
  }

  private async readUpload(key: string, uploadId: string): Promise<UploadRecord> {
    const record = UPLOAD_ID.test(uploadId)
      ? await readJson<UploadRecord>(path.join(this.uploadDir(uploadId), 'upload.json'))
      : undefined;
    // S3 also reports an upload started for another key as unknown.
    if (!record || record.key !== key) throw noSuchUpload(key, uploadId);
    return record;
  }

  /**
   * Streams `source` (from listenedBody, which also checks its length) into a new file under tmp/, hashing
   * as it goes. A failure destroys the source and removes the file.
   */
  private async writeTemp(source: Readable | Uint8Array): Promise<TempFile> {
    const tempPath = path.join(this.tmpDir, randomUUID());
    const hash = createHash('md5');
    let size = 0;
    try {
      await mkdir(this.tmpDir, { recursive: true });
      if (source instanceof Uint8Array) {
        hash.update(source);
        size = source.length;
        await writeFile(tempPath, source, { flag: 'wx', flush: true });
      } else {
        const meter = new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        // flush: the bytes are on disk before the file is renamed into place.
        await pipeline(source, meter, createWriteStream(tempPath, { flags: 'wx', flush: true }));
      }
      return { path: tempPath, md5: hash.digest(), size };
    } catch (error) {
      if (source instanceof Readable) source.destroy();
      await rm(tempPath, { force: true });
      throw translateFsError(error);
    }
  }

  /**
   * Replaces the object at `key` with the complete file `tempPath`. The sidecar goes first, naming the
   * new file's inode: until the rename lands, readers see the old bytes and a sidecar that does not match
   * them, and wait (see openObject) instead of pairing them.
   */
  private async replaceObject(
    key: string,
    tempPath: string,
    description: Omit<Sidecar, 'ino' | 'size'>,
  ): Promise<void> {
    const fileStat = await stat(tempPath, { bigint: true });
    await this.writeSidecar(key, { ino: String(fileStat.ino), size: Number(fileStat.size), ...description });
    try {
      await this.intoPlace(key, (target) => rename(tempPath, target));
    } catch (error) {
      // A collision means no object can exist at this key: the sidecar just written describes nothing.
      if (error instanceof StorageError && error.code === 'INVALID_KEY')
        await rm(this.sidecarPath(key), { force: true });
      throw error;
    }
  }

  /**
   * Runs `place` (a rename or a link onto the key's path). Returns false when link finds the key taken.
   * A file where a folder is needed, or the reverse, is a key collision.
   */
  private async intoPlace(key: string, place: (target: string) => Promise<void>): Promise<boolean> {
    const target = this.dataPath(key);
    try {
      await inFreshParent(target, () => place(target));
      return true;
    } catch (error) {
      const linkFoundFile = hasCode(error, 'EEXIST') && syscallOf(error) === 'link' && !(await isDirectory(target));
      if (linkFoundFile) return false;
      if (hasCode(error, 'EEXIST', 'EISDIR', 'ENOTDIR')) {
        throw new StorageError('INVALID_KEY', 'key collides with a folder of other keys on this filesystem', { key });
      }
      throw translateFsError(error, key);
    }
  }

  private async writeSidecar(key: string, sidecar: Sidecar): Promise<void> {
    const target = this.sidecarPath(key);
    try {
      await inFreshParent(target, () => this.writeJson(target, sidecar));
    } catch (error) {
      throw translateFsError(error, key);
    }
  }

  /** Writes JSON atomically: a reader sees the previous file or the new one, never a torn one. */
  private async writeJson(target: string, value: unknown): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    const tempPath = path.join(this.tmpDir, randomUUID());
    try {
      await writeFile(tempPath, JSON.stringify(value), { flag: 'wx' });
      await rename(tempPath, target);
    } finally {
      await rm(tempPath, { force: true });
    }
  }

  /**
   * Opens the object at `key` with the sidecar of exactly that file version, or null when there is none.
   * A sidecar that does not match means a writer is between its two steps: wait for it. One that still
   * does not match means a writer crashed between them: the ETag is recomputed from the bytes (content type
   * and metadata of that write are lost), so the key never stays unreadable.
   */
  private async openObject(key: string): Promise<OpenObject | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.dataPath(key), 'r');
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw translateFsError(error, key);
    }
    try {
      const fileStat = await handle.stat({ bigint: true });
      if (!fileStat.isFile()) {
        await handle.close();
        return null;
      }
      for (const wait of [0, ...SIDECAR_WAITS_MS]) {
        if (wait > 0) await delay(wait);
        const sidecar = await readJson<Sidecar>(this.sidecarPath(key));
        if (sidecar && sidecar.ino === String(fileStat.ino) && sidecar.size === Number(fileStat.size)) {
          return { handle, stat: fileStat, sidecar };
        }
      }
      return { handle, stat: fileStat, sidecar: await this.rebuildSidecar(key, handle, fileStat) };
    } catch (error) {
      await handle.close();
      throw translateFsError(error, key);
    }
  }

  private async rebuildSidecar(key: string, handle: FileHandle, fileStat: BigIntStats): Promise<Sidecar> {
    const hash = createHash('md5');
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
    const sidecar: Sidecar = {
      ino: String(fileStat.ino),
      size: Number(fileStat.size),
      etag: hash.digest('hex'),
      contentType: DEFAULT_CONTENT_TYPE,
      metadata: {},
    };
    await this.writeSidecar(key, sidecar);
    return sidecar;
  }

  /**
   * Keys under `dirKey` (a key prefix ending in "/", or "") that start with `prefix`, in ascending UTF-8
   * byte order as S3 lists them. A folder sorts as its name plus "/", which is where its keys fall among
   * its siblings' (`a-b` < `a/x` < `a0`).
   */
  private async *walk(dirKey: string, prefix: string): AsyncGenerator<string, void, undefined> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (hasCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw translateFsError(error);
    }
    const children = entries
      // Dot names are the reserved folder (or strays): never keys.
      .filter((entry) => !entry.name.startsWith('.') && (entry.isFile() || entry.isDirectory()))
      .map((entry) => ({ key: dirKey + entry.name, folder: entry.isDirectory() }))
      .map((child) => ({ ...child, sortKey: Buffer.from(child.folder ? `${child.key}/` : child.key) }))
      .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    for (const child of children) {
      if (child.folder) {
        const folderKey = `${child.key}/`;
        if (folderKey.startsWith(prefix) || prefix.startsWith(folderKey)) yield* this.walk(folderKey, prefix);
      } else if (child.key.startsWith(prefix)) {
        yield child.key;
      }
    }
  }
}

function describedBy(options: { contentType?: string; metadata?: Record<string, string> }): {
  contentType: string;
  metadata: Record<string, string>;
} {
  return { contentType: options.contentType ?? DEFAULT_CONTENT_TYPE, metadata: normaliseMetadata(options.metadata) };
}

function objectInfo(key: string, object: OpenObject, withDescription: boolean): ObjectInfo {
  return {
    key,
    size: Number(object.stat.size),
    etag: object.sidecar.etag,
    lastModified: object.stat.mtime,
    ...(withDescription ? { contentType: object.sidecar.contentType } : {}),
    metadata: withDescription ? object.sidecar.metadata : {},
  };
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw translateFsError(error);
  }
}

/**
 * Creates `target`'s parent folders, then runs `action` on it. A concurrent delete may prune a folder it
 * just emptied between the two steps: the action is retried then.
 */
async function inFreshParent<T>(target: string, action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    await mkdir(path.dirname(target), { recursive: true });
    try {
      return await action();
    } catch (error) {
      if (!hasCode(error, 'ENOENT') || attempt >= 3) throw error;
    }
  }
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** Removes `dir` and its parents while they are empty, stopping at (and keeping) `stopAt`. */
async function pruneEmptyDirs(dir: string, stopAt: string): Promise<void> {
  for (let current = dir; current.startsWith(`${stopAt}${path.sep}`); current = path.dirname(current)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty (or already gone): its parents are not empty either
    }
  }
}

function syscallOf(error: unknown): unknown {
  return (error as { syscall?: unknown } | null)?.syscall;
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** Failures of the disk itself mean the store is unusable; anything else keeps its own error. */
function translateFsError(error: unknown, key?: string): unknown {
  if (error instanceof StorageError) return error;
  const details = key === undefined ? {} : { key };
  if (hasCode(error, 'ENAMETOOLONG')) {
    return new StorageError('INVALID_KEY', 'key too long for this filesystem', details, { cause: error });
  }
  if (hasCode(error, 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO', 'EMFILE', 'ENFILE')) {
    return new StorageError('UNAVAILABLE', `store directory failed: ${(error as Error).message}`, details, {
      cause: error,
    });
  }
  return error;
}

function notFound(key: string): StorageError {
  return new StorageError('NOT_FOUND', 'no such object', { key });
}

function noSuchUpload(key: string, uploadId: string): StorageError {
  return new StorageError('NO_SUCH_UPLOAD', 'no such multipart upload', { key, uploadId });
}

function presignNotSupported(): StorageError {
  return new StorageError('NOT_SUPPORTED', 'the fs driver has no presigned URLs: send bytes through the API');
}
