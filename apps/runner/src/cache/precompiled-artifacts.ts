import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Logger } from 'pino';
import { type BundleStore, isStorageError, type KeyPolicy } from '@extplat/storage';
import type { SharedTranspiles } from '../sandbox/index.js';

/** The one object of an artifact: a tar of the transpile directory (glue, core modules, meta.json). */
export const ARTIFACT_FILE = 'artifact.tar';
/** User metadata of the artifact object holding its integrity tag (`x-amz-meta-…` on S3). */
export const ARTIFACT_TAG_METADATA = 'extplat-artifact-tag';
const TAG_PREFIX = 'v1=';
const TAG_FORMAT = /^v1=[0-9a-f]{64}$/;
/** Names of the files a transpile directory holds; an artifact naming anything else is refused. */
const ARTIFACT_ENTRY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ARTIFACT_ENTRIES_MAX = 64;

export type ArtifactEvent =
  'loaded' | 'missing' | 'rejected' | 'failed' | 'published' | 'already-published' | 'publish-failed';

export interface PrecompiledArtifactsOptions {
  store: BundleStore;
  keys: KeyPolicy;
  /** RUNNER_ARTIFACT_KEY: held by Runners only, so nothing else can make an artifact they accept. */
  artifactKey: string;
  /** TOOLCHAIN_KEY of this Runner. */
  toolchain: string;
  /** Local directory for artifacts being downloaded or packed (emptied at start). */
  tempDir: string;
  /** Largest artifact accepted or written. */
  maxBytes: number;
  logger: Logger;
  /** Told of every fetch verdict and publication (metrics). */
  observe?: (event: ArtifactEvent) => void;
}

/**
 * The integrity tag of an artifact: HMAC-SHA256 with RUNNER_ARTIFACT_KEY over the content hash, the
 * toolchain key and the artifact's bytes, so a tag made for another bundle or another toolchain, or for
 * other bytes, never matches. Returned as an incremental digest so the bytes can stream through it.
 */
export function artifactMac(artifactKey: string, contentHash: string, toolchain: string) {
  return createHmac('sha256', artifactKey).update(`extplat-precompiled/v1\n${contentHash}\n${toolchain}\n`);
}

/** A pass-through stream that feeds every chunk to `update` and counts the bytes, failing past `max`. */
function metering(update: (chunk: Buffer) => void, max: number, counter: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.bytes += chunk.length;
      if (counter.bytes > max) {
        done(new Error(`the artifact is larger than ${max} bytes`));
        return;
      }
      update(chunk);
      done(null, chunk);
    },
  });
}

/**
 * Precompiled transpile outputs shared between Runners through the bundle store, at
 * `sha256/<hex>/precompiled/<toolchain>/artifact.tar` (KeyPolicy.precompiled). The store is not trusted
 * to hand Runners code: each artifact carries an HMAC tag ({@link artifactMac}) in its metadata, and an
 * artifact is downloaded to a local temporary file while its tag is computed, compared in constant time,
 * and only then unpacked. A missing, untagged, mistagged or malformed artifact is reported (`missing` or
 * `rejected`) and the caller transpiles; nothing of it is ever loaded. Everything streams.
 */
export class PrecompiledArtifacts implements SharedTranspiles {
  private readonly started: Promise<void>;

  constructor(private readonly options: PrecompiledArtifactsOptions) {
    // Leftovers of an interrupted process are never read: start from an empty directory.
    this.started = rm(options.tempDir, { recursive: true, force: true }).then(() =>
      mkdir(options.tempDir, { recursive: true }).then(() => undefined),
    );
  }

  private key(contentHash: string): string {
    return this.options.keys.precompiled(contentHash, this.options.toolchain, ARTIFACT_FILE);
  }

  private tempFile(): string {
    return join(this.options.tempDir, `${randomBytes(8).toString('hex')}.tar`);
  }

  async fetch(contentHash: string, outDir: string): Promise<'loaded' | 'missing' | 'rejected' | 'failed'> {
    const verdict = await this.tryFetch(contentHash, outDir);
    this.options.observe?.(verdict);
    if (verdict !== 'loaded') await rm(outDir, { recursive: true, force: true });
    return verdict;
  }

  private async tryFetch(contentHash: string, outDir: string): Promise<'loaded' | 'missing' | 'rejected' | 'failed'> {
    const { store, logger } = this.options;
    const key = this.key(contentHash);
    await this.started;
    const temp = this.tempFile();
    try {
      const info = await store.head(key);
      if (!info) return 'missing';
      const tag = info.metadata[ARTIFACT_TAG_METADATA];
      if (!tag || !TAG_FORMAT.test(tag) || info.size > this.options.maxBytes) {
        logger.warn({ contentHash, key, size: info.size, tagged: Boolean(tag) }, 'precompiled artifact refused');
        return 'rejected';
      }
      const object = await store.get(key);
      const mac = artifactMac(this.options.artifactKey, contentHash, this.options.toolchain);
      await pipeline(
        object.body,
        metering((chunk) => mac.update(chunk), this.options.maxBytes, { bytes: 0 }),
        createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
      );
      const expected = mac.digest();
      const given = Buffer.from(tag.slice(TAG_PREFIX.length), 'hex');
      if (!timingSafeEqual(expected, given)) {
        logger.warn({ contentHash, key }, 'precompiled artifact has a wrong integrity tag; ignored');
        return 'rejected';
      }
      const problem = await unpack(temp, outDir);
      if (problem) {
        logger.warn({ contentHash, key, problem }, 'precompiled artifact is malformed; ignored');
        return 'rejected';
      }
      return 'loaded';
    } catch (error) {
      if (isStorageError(error, 'NOT_FOUND')) return 'missing';
      logger.warn({ contentHash, key, err: error }, 'fetching a precompiled artifact failed');
      return 'failed';
    } finally {
      await rm(temp, { force: true });
    }
  }

  async publish(contentHash: string, dir: string, replace: boolean): Promise<void> {
    const { store, logger } = this.options;
    const key = this.key(contentHash);
    await this.started;
    const temp = this.tempFile();
    try {
      const mac = artifactMac(this.options.artifactKey, contentHash, this.options.toolchain);
      const counter = { bytes: 0 };
      await packDirectory(
        dir,
        metering((chunk) => mac.update(chunk), this.options.maxBytes, counter),
        createWriteStream(temp, { flags: 'wx', mode: 0o600 }),
      );
      const options = {
        contentType: 'application/x-tar',
        contentLength: counter.bytes,
        metadata: { [ARTIFACT_TAG_METADATA]: `${TAG_PREFIX}${mac.digest('hex')}` },
      };
      // Write-once unless the artifact there was refused: a good one another Runner made first stays.
      if (replace) {
        await store.put(key, createReadStream(temp), options);
      } else {
        const created = await store.createIfAbsent(key, createReadStream(temp), options);
        if (created.status === 'exists') {
          this.options.observe?.('already-published');
          return;
        }
      }
      this.options.observe?.('published');
      logger.info({ contentHash, key, bytes: counter.bytes, replaced: replace }, 'precompiled artifact shared');
    } catch (error) {
      this.options.observe?.('publish-failed');
      logger.warn({ contentHash, key, err: error }, 'sharing a precompiled artifact failed');
    } finally {
      await rm(temp, { force: true });
    }
  }
}

/** Tars the regular files of `dir` (sorted, fixed header fields) through `meter` into `output`. */
async function packDirectory(dir: string, meter: Transform, output: NodeJS.WritableStream): Promise<void> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((item) => item.isFile() && ARTIFACT_ENTRY.test(item.name))
    .map((item) => item.name)
    .sort();
  const archive = tar.pack();
  const writing = pipeline(archive, meter, output);
  try {
    for (const name of names) {
      const { size } = await stat(join(dir, name));
      const sink = archive.entry({
        name,
        size,
        type: 'file',
        mode: 0o644,
        mtime: new Date(0),
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      });
      await pipeline(createReadStream(join(dir, name)), sink);
    }
    archive.finalize();
  } catch (error) {
    archive.destroy(error as Error);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
}

/**
 * Unpacks a verified artifact into `outDir`: regular files with plain names only, each once. Answers the
 * problem, or undefined. (The tag already proved a Runner made it; the checks keep a Runner bug from
 * writing outside `outDir`.)
 */
async function unpack(file: string, outDir: string): Promise<string | undefined> {
  await mkdir(outDir, { recursive: true });
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(file), extract);
  const seen = new Set<string>();
  let problem: string | undefined;
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type !== 'file' || !ARTIFACT_ENTRY.test(name) || seen.has(name) || seen.size >= ARTIFACT_ENTRIES_MAX) {
        problem = `unexpected entry ${JSON.stringify(name)} (${type ?? 'unknown'})`;
        entry.resume();
        break;
      }
      seen.add(name);
      await pipeline(entry, createWriteStream(join(outDir, name), { flags: 'wx', mode: 0o644 }));
    }
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  if (problem) {
    extract.destroy();
    await feeding.catch(() => undefined);
    return problem;
  }
  try {
    await feeding;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return seen.size === 0 ? 'the artifact is empty' : undefined;
}
