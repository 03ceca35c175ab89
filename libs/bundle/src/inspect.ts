import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open as openFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { contentHashFromHex, type ContentHash } from '@extplat/contracts';
import { BackgroundHash, HashWorkerFailure } from './background-hash.js';
import { ComponentImportReader } from './component-imports.js';
import { componentRefusal, notWebAssembly, type ComponentRefusal } from './component-policy.js';
import { checkEntryPath, EntryRegistry, printable } from './entry-path.js';
import { BundleError, isBundleError } from './errors.js';
import { TarWalker, type TarEntryHeader } from './tar-walk.js';
import { decodeZstd } from './zstd-decode.js';
import { DEFAULT_BUNDLE_LIMITS, MANIFEST_PATH, ZSTD_MAGIC, type BundleLimits } from './limits.js';
import { decodeManifestText, parseManifest, type ManifestV2 } from './manifest.js';

export interface BundleFile {
  path: string;
  size: number;
  /** 0o644 or 0o755: whatever the archive says, only the owner-execute bit is kept. */
  mode: number;
}

export interface BundleProgress {
  compressedBytes: number;
  unpackedBytes: number;
  entries: number;
}

export interface InspectOptions {
  limits?: Partial<BundleLimits>;
  /** Extract into this directory, which must not exist yet; it appears only once everything is checked. */
  extractTo?: string;
  onProgress?: (progress: BundleProgress) => void;
}

export interface BundleInspection {
  contentHash: ContentHash;
  /** Bytes of bundle.tar.zst. */
  size: number;
  /** Sum of the file sizes. */
  unpackedSize: number;
  entryCount: number;
  /** Regular files, in archive order. */
  files: BundleFile[];
  manifest: ManifestV2;
  /** The manifest exactly as stored in the bundle. */
  manifestText: string;
}

/** Errors of the byte source (a file, an S3 response) are the caller's, not the bundle's: pass them through. */
class SourceFailure extends Error {
  constructor(readonly original: unknown) {
    super('source failed');
  }
}

/**
 * Reads a bundle in one streaming pass: SHA-256 (on a worker thread, see BackgroundHash) and size of the
 * compressed bytes, zstd decompression with a bounded window, tar entries checked against every rule and limit
 * of ARCHITECTURE §3, the manifest parsed and validated against the files present, the entry checked to be a
 * component that imports only what the host provides (ARCHITECTURE §9.3), and optionally a safe extraction
 * (temporary directory, renamed into place at the end). Memory stays bounded by the limits whatever the input. Any violation throws a
 * {@link BundleError} with a stable code and, where it applies, the entry's name.
 *
 * Each chunk of `source` is done with (hashed, decoded) before the next is asked for, so a source may reuse
 * one buffer for all of them (see readFileReusingBuffer).
 */
export async function inspectBundle(
  source: AsyncIterable<Uint8Array>,
  options: InspectOptions = {},
): Promise<BundleInspection> {
  const limits: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, ...options.limits };
  const progress: BundleProgress = { compressedBytes: 0, unpackedBytes: 0, entries: 0 };
  const staging = options.extractTo ? await createStagingDirectory(options.extractTo) : undefined;
  const hash = new BackgroundHash();
  try {
    const decompressed = decompress(tap(source, hash, progress, limits), limits);
    const scan = await scanArchive(decompressed, limits, progress, staging, options.onProgress);
    if (scan.manifestText === undefined) {
      throw new BundleError('MANIFEST_MISSING', `the bundle has no ${MANIFEST_PATH} at its root`, {
        entry: MANIFEST_PATH,
      });
    }
    const parsed = parseManifest(scan.manifestText, { files: new Set(scan.files.map((file) => file.path)) });
    if (!parsed.ok) {
      throw new BundleError('INVALID_MANIFEST', `${MANIFEST_PATH} is not valid`, {
        entry: MANIFEST_PATH,
        issues: parsed.issues,
      });
    }
    const { entry } = parsed.manifest;
    const refusal = scan.components.has(entry) ? scan.components.get(entry) : notWebAssembly(entry);
    if (refusal) throw new BundleError(...refusal);
    if (staging && options.extractTo) await publish(staging, options.extractTo);
    options.onProgress?.({ ...progress });
    return {
      contentHash: contentHashFromHex(await hash.digest()),
      size: progress.compressedBytes,
      unpackedSize: progress.unpackedBytes,
      entryCount: progress.entries,
      files: scan.files,
      manifest: parsed.manifest,
      manifestText: scan.manifestText,
    };
  } catch (error) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (error instanceof SourceFailure) throw error.original;
    throw error;
  } finally {
    hash.close();
  }
}

/** Hashes and counts the compressed bytes, checks the zstd magic number and the compressed size limit. */
async function* tap(
  source: AsyncIterable<Uint8Array>,
  hash: BackgroundHash,
  progress: BundleProgress,
  limits: BundleLimits,
): AsyncGenerator<Uint8Array> {
  let head = Buffer.alloc(0);
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw new SourceFailure(error);
      }
      if (next.done) break;
      const chunk = next.value;
      progress.compressedBytes += chunk.byteLength;
      if (progress.compressedBytes > limits.maxBytes) {
        throw new BundleError('BUNDLE_TOO_LARGE', `the bundle is larger than ${limits.maxBytes} bytes`, {
          limit: limits.maxBytes,
        });
      }
      await hash.update(chunk);
      if (head.length < ZSTD_MAGIC.length) {
        head = Buffer.concat([head, chunk]);
        if (head.length >= ZSTD_MAGIC.length && !head.subarray(0, ZSTD_MAGIC.length).equals(ZSTD_MAGIC)) {
          throw new BundleError('NOT_ZSTD', 'the bundle is not zstd-compressed (a bundle is a .tar.zst archive)');
        }
      }
      yield chunk;
    }
  } finally {
    // Stopping early (a violation further down) must release the source, e.g. an S3 response socket.
    await iterator.return?.();
  }
  if (head.length < ZSTD_MAGIC.length) {
    throw new BundleError('NOT_ZSTD', 'the bundle is empty or too short to be a zstd archive');
  }
}

/** Decompressed bytes, refused past what the unpacked-size limit could ever need (a bomb). */
async function* decompress(compressed: AsyncIterable<Uint8Array>, limits: BundleLimits): AsyncGenerator<Buffer> {
  // Tar framing adds at most 1.5 KiB per entry and a trailer: more decompressed output than this is a bomb.
  const cap = limits.maxUnpackedBytes + (limits.maxEntries + 2) * 1536 + 1024 * 1024;
  let produced = 0;
  for await (const chunk of decodeZstd(compressed)) {
    produced += chunk.length;
    if (produced > cap) {
      throw new BundleError('UNPACKED_TOO_LARGE', `the bundle unpacks to more than ${limits.maxUnpackedBytes} bytes`, {
        limit: limits.maxUnpackedBytes,
      });
    }
    yield chunk;
  }
}

interface ArchiveScan {
  files: BundleFile[];
  manifestText?: string;
  /**
   * Every WebAssembly file, with why it could not be the entry (null: it could). Entries are sorted in a
   * deterministic pack, so the component comes before manifest.json says which file is the entry: each
   * file is read as a possible component while it streams past, and judged once the manifest is known.
   */
  components: Map<string, ComponentRefusal | null>;
}

/** A regular file being read: what the checks need once its data has passed. */
interface OpenFile {
  path: string;
  size: number;
  mode: number;
  reader: ComponentImportReader;
  /** Only for manifest.json (at most maxManifestBytes): its bytes, copied out of the reused buffer. */
  manifest?: Buffer[];
  out?: FileHandle;
}

/**
 * Walks the tar entries, enforcing entry types, paths, counts and sizes; extracts into `staging` if given.
 * Each decoded chunk is read where it lies (see decodeZstd): everything done with its bytes, the writes of an
 * extraction included, is finished before the loop asks for the next one.
 */
async function scanArchive(
  input: AsyncIterable<Buffer>,
  limits: BundleLimits,
  progress: BundleProgress,
  staging: string | undefined,
  onProgress: InspectOptions['onProgress'],
): Promise<ArchiveScan> {
  const walker = new TarWalker();
  const registry = new EntryRegistry();
  const files: BundleFile[] = [];
  const components = new Map<string, ComponentRefusal | null>();
  let manifestText: string | undefined;
  let open: OpenFile | undefined;

  const startEntry = async (header: TarEntryHeader): Promise<OpenFile | undefined> => {
    progress.entries += 1;
    if (progress.entries > limits.maxEntries) {
      throw new BundleError('TOO_MANY_ENTRIES', `the bundle has more than ${limits.maxEntries} entries`, {
        limit: limits.maxEntries,
      });
    }
    if (header.type !== 'file' && header.type !== 'directory') {
      throw new BundleError(
        'UNSUPPORTED_ENTRY_TYPE',
        `entry "${printable(header.name)}" is a ${header.type ?? 'unknown type'}; bundles hold only regular files and directories`,
        { entry: printable(header.name), type: header.type },
      );
    }
    const path = checkEntryPath(header.name, limits);
    registry.add(path, header.type);
    if (header.type === 'directory') {
      if (staging) await mkdir(join(staging, path), { recursive: true });
      return undefined;
    }
    const { size } = header;
    if (progress.unpackedBytes + size > limits.maxUnpackedBytes) {
      throw new BundleError('UNPACKED_TOO_LARGE', `the bundle unpacks to more than ${limits.maxUnpackedBytes} bytes`, {
        entry: path,
        limit: limits.maxUnpackedBytes,
      });
    }
    const mode = header.mode & 0o100 ? 0o755 : 0o644;
    // Any file may be named as the entry, whatever its name, so each one is sniffed: one that does not
    // start with the WebAssembly magic number costs its first bytes only.
    const file: OpenFile = { path, size, mode, reader: new ComponentImportReader() };
    if (path === MANIFEST_PATH) {
      if (size > limits.maxManifestBytes) {
        throw new BundleError(
          'MANIFEST_TOO_LARGE',
          `${MANIFEST_PATH} is larger than ${limits.maxManifestBytes} bytes`,
          {
            entry: path,
            limit: limits.maxManifestBytes,
          },
        );
      }
      file.manifest = [];
    }
    if (staging) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      file.out = await openFile(join(staging, path), 'wx', mode);
    }
    return file;
  };

  const endFile = async (file: OpenFile): Promise<void> => {
    if (file.out) {
      await file.out.close();
      file.out = undefined;
    }
    if (file.manifest) manifestText = decodeManifestText(Buffer.concat(file.manifest));
    const binary = file.reader.end();
    if (binary.kind !== 'not-wasm') components.set(file.path, componentRefusal(file.path, binary));
    progress.unpackedBytes += file.size;
    files.push({ path: file.path, size: file.size, mode: file.mode });
    onProgress?.({ ...progress });
  };

  try {
    for await (const chunk of input) {
      for (const event of walker.take(chunk)) {
        if (event.kind === 'entry') {
          open = await startEntry(event.header);
        } else if (event.kind === 'data') {
          if (!open) continue;
          open.reader.push(event.bytes);
          open.manifest?.push(Buffer.from(event.bytes));
          if (open.out) await writeAll(open.out, event.bytes);
        } else if (open) {
          const file = open;
          open = undefined;
          await endFile(file);
        }
      }
    }
    walker.finish();
  } catch (error) {
    await open?.out?.close().catch(() => undefined);
    throw archiveError(error);
  }
  return { files, manifestText, components };
}

async function writeAll(out: FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await out.write(bytes, at, bytes.length - at);
    at += bytesWritten;
  }
}

function archiveError(error: unknown): unknown {
  if (isBundleError(error) || error instanceof SourceFailure || error instanceof HashWorkerFailure) return error;
  // A system call that failed while extracting (ENOSPC, EACCES, ...) is the target's fault, not the archive's.
  if (typeof (error as NodeJS.ErrnoException | undefined)?.syscall === 'string') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BundleError('CORRUPT_ARCHIVE', `the bundle is not a valid tar archive: ${message}`);
}

/** A fresh directory next to the target, so the final rename stays on one filesystem. */
async function createStagingDirectory(target: string): Promise<string> {
  if (existsSync(target)) throw new BundleError('TARGET_EXISTS', `${target} already exists`, { target });
  await mkdir(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o755 });
  return staging;
}

async function publish(staging: string, target: string): Promise<void> {
  try {
    await rename(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTEMPTY') {
      throw new BundleError('TARGET_EXISTS', `${target} already exists`, { target });
    }
    throw error;
  }
}
