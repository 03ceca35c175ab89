import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkEntryPath, DEFAULT_BUNDLE_LIMITS, type ManifestV2, validateManifest } from '@extplat/bundle';
import { contentHashFromHex, type ContentHash } from '@extplat/contracts';
import type { SigningConfig } from '@extplat/server-core';
import type { SignatureVerdict, VerdictStatus } from '@extplat/signing';

/**
 * On-disk layout of one cache entry: `<cacheDir>/<hex>/index.json` next to `<cacheDir>/<hex>/files/`, the
 * unpacked bundle. Keeping the tree in its own folder means no bundle file can collide with the index.
 */
export const CACHE_INDEX_FILE = 'index.json';
export const CACHE_FILES_DIR = 'files';
export const CACHE_INDEX_FORMAT = 'extplat-runner-cache/v1';

export interface CachedFileInfo {
  size: number;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface CacheIndex {
  format: typeof CACHE_INDEX_FORMAT;
  contentHash: ContentHash;
  /** Bytes of bundle.tar.zst. */
  size: number;
  /** Sum of the file sizes. */
  unpackedBytes: number;
  files: Record<string, CachedFileInfo>;
  manifest: ManifestV2;
  signature: {
    status: VerdictStatus;
    signer?: { subject: string; fingerprint: string };
    /** Digest of the signing settings the verdict was reached under; see {@link signingFingerprint}. */
    settings: string;
  };
  createdAt: string;
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * Identifies the signing policy, trust bundle and revocation list. An entry verified under other settings
 * (the policy was tightened, a certificate revoked) is not adopted at start-up: it is fetched and verified again.
 */
export function signingFingerprint(signing: SigningConfig): string {
  return createHash('sha256')
    .update(JSON.stringify([signing.policy, signing.trustBundlePem ?? null, [...signing.revokedFingerprints].sort()]))
    .digest('hex');
}

export function verdictSummary(verdict: SignatureVerdict, settings: string): CacheIndex['signature'] {
  return {
    status: verdict.status,
    ...(verdict.signer ? { signer: { subject: verdict.signer.subject, fingerprint: verdict.signer.fingerprint } } : {}),
    settings,
  };
}

export async function writeCacheIndex(entryDir: string, index: CacheIndex): Promise<void> {
  await writeFile(join(entryDir, CACHE_INDEX_FILE), JSON.stringify(index), { flag: 'wx', mode: 0o644 });
}

/**
 * Reads and checks the index of `<cacheDir>/<hex>`: its own hash, safe file paths, a valid manifest whose
 * files are present, and the current signing settings. Returns the reason when the entry is unusable.
 */
export async function readCacheIndex(
  entryDir: string,
  hex: string,
  settings: string,
): Promise<{ index: CacheIndex; mtimeMs: number } | { problem: string }> {
  let text: string;
  let mtimeMs: number;
  try {
    const path = join(entryDir, CACHE_INDEX_FILE);
    [text, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (error) {
    return { problem: `index unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'index is not JSON' };
  }
  const problem = indexProblem(value, hex, settings);
  return problem === undefined ? { index: value as CacheIndex, mtimeMs } : { problem };
}

function indexProblem(value: unknown, hex: string, settings: string): string | undefined {
  if (typeof value !== 'object' || value === null) return 'index is not an object';
  const index = value as Partial<CacheIndex>;
  if (index.format !== CACHE_INDEX_FORMAT) return `unknown index format ${JSON.stringify(index.format)}`;
  if (!HEX_DIGEST.test(hex) || index.contentHash !== contentHashFromHex(hex)) return 'index is for another bundle';
  if (index.signature?.settings !== settings) return 'verified under other signing settings';
  if (typeof index.files !== 'object' || index.files === null) return 'index has no file list';
  let total = 0;
  for (const [path, info] of Object.entries(index.files)) {
    try {
      checkEntryPath(path, DEFAULT_BUNDLE_LIMITS);
    } catch {
      return `unsafe path in index: ${JSON.stringify(path.slice(0, 80))}`;
    }
    if (!Number.isSafeInteger(info?.size) || info.size < 0 || !HEX_DIGEST.test(info?.sha256)) {
      return `bad file record for ${path}`;
    }
    total += info.size;
  }
  if (index.unpackedBytes !== total) return 'unpacked size does not match the file list';
  if (!Number.isSafeInteger(index.size)) return 'index has no bundle size';
  const manifest = validateManifest(index.manifest, { files: new Set(Object.keys(index.files)) });
  if (!manifest.ok) return `manifest in index is not valid: ${manifest.issues[0]?.message ?? ''}`;
  return undefined;
}

/** SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
