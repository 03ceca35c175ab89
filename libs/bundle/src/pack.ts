import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentHashFromHex, type ContentHash } from '@extplat/contracts';
import tar from 'tar-stream';
import { CompressStream } from 'zstd-napi';
import { checkEntryPath, EntryRegistry } from './entry-path.js';
import { BundleError } from './errors.js';
import { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './limits.js';

/**
 * zstd level of every bundle. Part of the format: the same tree gives the same bytes only with the same
 * level (and the same zstd release), so it is fixed rather than configurable.
 */
export const BUNDLE_ZSTD_LEVEL = 9;

export interface PackOptions {
  /** Modification time written for every entry (e.g. from SOURCE_DATE_EPOCH); defaults to the epoch. */
  mtime?: Date;
  limits?: Partial<BundleLimits>;
  onProgress?: (progress: { files: number; totalFiles: number; bytes: number; totalBytes: number }) => void;
}

export interface PackResult {
  contentHash: ContentHash;
  /** Bytes written (the size of bundle.tar.zst). */
  size: number;
  files: number;
  unpackedSize: number;
}

interface PlannedFile {
  path: string;
  size: number;
  executable: boolean;
}

/**
 * Every regular file under `root`, as sorted bundle paths. Symbolic links and special files are refused
 * (a bundle holds neither), as are paths that unpacking would refuse.
 */
export async function listTree(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
      else
        throw new BundleError('UNSUPPORTED_ENTRY_TYPE', `"${path}" is not a regular file or directory`, {
          entry: path,
        });
    }
  };
  await walk('');
  return found.sort(compareBytes);
}

/**
 * Packs the given files of `root` into a deterministic `bundle.tar.zst`: entries sorted by path bytes,
 * parent directories added, fixed mtime, uid/gid 0 with no user or group names, modes 0644/0755, zstd at
 * {@link BUNDLE_ZSTD_LEVEL} on one thread. The same files with the same contents always give the same
 * bytes, whatever their timestamps, owners or creation order.
 */
export async function packFiles(
  root: string,
  paths: readonly string[],
  output: Writable,
  options: PackOptions = {},
): Promise<PackResult> {
  const limits: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
  const mtime = options.mtime ?? new Date(0);
  const plan = await planFiles(root, paths, limits);
  const directories = parentDirectories(plan.map((file) => file.path));
  const entries = [
    ...directories.map((path) => ({ path, kind: 'directory' as const })),
    ...plan.map((file) => ({ path: file.path, kind: 'file' as const, file })),
  ].sort((a, b) => compareBytes(a.path, b.path));

  const totalBytes = plan.reduce((sum, file) => sum + file.size, 0);
  if (totalBytes > limits.maxUnpackedBytes) {
    throw new BundleError('UNPACKED_TOO_LARGE', `the files add up to more than ${limits.maxUnpackedBytes} bytes`, {
      limit: limits.maxUnpackedBytes,
    });
  }
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const archive = tar.pack();
  const writing = pipeline(
    archive,
    new CompressStream({ compressionLevel: BUNDLE_ZSTD_LEVEL, nbWorkers: 0, checksumFlag: true }),
    counter,
    output,
  );

  const header = { mtime, uid: 0, gid: 0, uname: '', gname: '' };
  let filesDone = 0;
  let bytesDone = 0;
  try {
    for (const entry of entries) {
      if (entry.kind === 'directory') {
        archive.entry({ ...header, name: `${entry.path}/`, type: 'directory', mode: 0o755 });
        continue;
      }
      const { file } = entry;
      const sink = archive.entry({
        ...header,
        name: file.path,
        type: 'file',
        mode: file.executable ? 0o755 : 0o644,
        size: file.size,
      });
      await pipeline(createReadStream(join(root, file.path)), sink);
      filesDone += 1;
      bytesDone += file.size;
      options.onProgress?.({ files: filesDone, totalFiles: plan.length, bytes: bytesDone, totalBytes });
    }
    archive.finalize();
  } catch (error) {
    archive.destroy(error as Error);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
  return { contentHash: contentHashFromHex(hash.digest('hex')), size, files: plan.length, unpackedSize: totalBytes };
}

/** {@link packFiles} into a file, written next to it first and renamed into place when complete. */
export async function packFilesToFile(
  root: string,
  paths: readonly string[],
  target: string,
  options: PackOptions = {},
): Promise<PackResult> {
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const result = await packFiles(root, paths, createWriteStream(temporary, { flags: 'wx', mode: 0o644 }), options);
    await rename(temporary, target);
    return result;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function planFiles(root: string, paths: readonly string[], limits: BundleLimits): Promise<PlannedFile[]> {
  const registry = new EntryRegistry();
  const plan: PlannedFile[] = [];
  for (const raw of [...new Set(paths)].sort(compareBytes)) {
    const path = checkEntryPath(raw, limits);
    registry.add(path, 'file');
    const info = await lstat(join(root, path)).catch(() => null);
    if (!info) throw new BundleError('UNSAFE_PATH', `"${path}" does not exist under ${root}`, { entry: path });
    if (!info.isFile()) {
      throw new BundleError(
        'UNSUPPORTED_ENTRY_TYPE',
        `"${path}" is not a regular file (links and special files cannot be bundled)`,
        {
          entry: path,
        },
      );
    }
    plan.push({ path, size: info.size, executable: (info.mode & 0o100) !== 0 });
  }
  if (plan.length + parentDirectories(plan.map((file) => file.path)).length > limits.maxEntries) {
    throw new BundleError('TOO_MANY_ENTRIES', `more than ${limits.maxEntries} entries`, { limit: limits.maxEntries });
  }
  return plan;
}

function parentDirectories(paths: readonly string[]): string[] {
  const directories = new Set<string>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) directories.add(segments.slice(0, depth).join('/'));
  }
  return [...directories];
}

/** Byte order of the UTF-8 encodings: stable across locales, as tar readers and S3 list them. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
