import { isContentHash } from '@extplat/contracts';
import { StorageError } from './errors.js';

/** Files kept for a published bundle under its content hash. */
export const CANONICAL_FILES = ['bundle.tar.zst', 'manifest.json', 'signature.json'] as const;
export type CanonicalFile = (typeof CANONICAL_FILES)[number];

const HEX_DIGEST = /^[0-9a-f]{64}$/;
const UPLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/;
const STAGING_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PREFIX = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)+$/;
/** A toolchain key (`jco-transpile-0.15.0.f1`): one key segment naming what produced a precompiled artifact. */
const TOOLCHAIN_KEY = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PRECOMPILED_FILE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** The folder under a content hash that holds precompiled artifacts, one sub-folder per toolchain key. */
export const PRECOMPILED_DIR = 'precompiled';

/** `sha256:<64 lowercase hex>` → the bare hex; anything else is rejected. */
export function contentHashToHex(contentHash: string): string {
  if (!isContentHash(contentHash)) {
    throw new StorageError('INVALID_KEY', `content hash must be "sha256:" followed by 64 lowercase hex digits`, {
      contentHash,
    });
  }
  return contentHash.slice('sha256:'.length);
}

export function assertHexDigest(hex: string): void {
  if (!HEX_DIGEST.test(hex)) {
    throw new StorageError('INVALID_KEY', 'digest must be 64 lowercase hex digits', { digest: hex });
  }
}

/**
 * A key inside the store must be a relative, normalised path: no leading slash, no empty, `.` or `..`
 * segments, no backslashes or control characters. Drivers call this so a bad key can never reach the
 * filesystem or another prefix of the bucket.
 */
export function assertSafeKey(key: string): void {
  const fail = (rule: string): never => {
    throw new StorageError('INVALID_KEY', `invalid object key: ${rule}`, { key });
  };
  if (key.length === 0 || key.length > 1024) fail('length must be 1..1024');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) fail('control characters and backslashes are not allowed');
  if (key.startsWith('/')) fail('must be relative');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') fail('empty, "." and ".." segments are not allowed');
    if (segment.startsWith('.')) fail('segments may not start with "."');
  }
}

/**
 * A listing prefix: empty (everything), or a safe key, optionally ending in "/" (`staging/`) or cut inside
 * a segment (`sha256/ab`).
 */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export type ParsedKey =
  | { kind: 'canonical'; hex: string; file: string }
  | { kind: 'precompiled'; hex: string; toolchain: string; file: string }
  | { kind: 'staging'; uploadId: string; file: string };

export function assertToolchainKey(toolchain: string): void {
  if (!TOOLCHAIN_KEY.test(toolchain)) {
    throw new StorageError('INVALID_KEY', 'toolchain key must be 1-64 characters of [a-z0-9._-]', { toolchain });
  }
}

/**
 * Where bundles live in the store: canonical, write-once objects under `<canonicalBase><hex>/<file>`,
 * Runner-made precompiled artifacts of a bundle under `<canonicalBase><hex>/precompiled/<toolchain>/<file>`
 * (so everything of one bundle shares its prefix: deleting `<canonicalBase><hex>/` removes them too), and
 * uploads in progress under `<stagingBase><uploadId>/<file>`.
 */
export class KeyPolicy {
  constructor(
    readonly canonicalBase = 'sha256/',
    readonly stagingBase = 'staging/',
  ) {
    for (const [name, value] of [
      ['canonical base', canonicalBase],
      ['staging base', stagingBase],
    ] as const) {
      if (!PREFIX.test(value) || value.split('/').some((s) => s === '.' || s === '..')) {
        throw new StorageError('INVALID_KEY', `${name} must be a relative prefix ending in "/", e.g. "sha256/"`, {
          prefix: value,
        });
      }
    }
    if (canonicalBase.startsWith(stagingBase) || stagingBase.startsWith(canonicalBase)) {
      throw new StorageError('INVALID_KEY', 'canonical and staging prefixes must not contain each other', {
        canonicalBase,
        stagingBase,
      });
    }
  }

  /** Key of a canonical file for a content hash given as `sha256:<hex>` or bare hex. */
  canonical(contentHashOrHex: string, file: CanonicalFile): string {
    const hex = contentHashOrHex.startsWith('sha256:') ? contentHashToHex(contentHashOrHex) : contentHashOrHex;
    assertHexDigest(hex);
    return `${this.canonicalBase}${hex}/${file}`;
  }

  /** Prefix holding every object of one bundle: its canonical files and its precompiled artifacts. */
  bundlePrefix(contentHashOrHex: string): string {
    const hex = contentHashOrHex.startsWith('sha256:') ? contentHashToHex(contentHashOrHex) : contentHashOrHex;
    assertHexDigest(hex);
    return `${this.canonicalBase}${hex}/`;
  }

  /**
   * Key of a precompiled artifact of a bundle, made by a Runner with the toolchain `toolchain`. Not a
   * canonical file: the store does not vouch for it, the Runner checks its own integrity tag on it.
   */
  precompiled(contentHashOrHex: string, toolchain: string, file: string): string {
    assertToolchainKey(toolchain);
    if (!PRECOMPILED_FILE.test(file)) {
      throw new StorageError('INVALID_KEY', 'precompiled file name must be 1-64 characters of [a-z0-9._-]', { file });
    }
    return `${this.bundlePrefix(contentHashOrHex)}${PRECOMPILED_DIR}/${toolchain}/${file}`;
  }

  /** Prefix holding every staged object of one upload. */
  stagingPrefix(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) {
      throw new StorageError('INVALID_KEY', 'upload id must be 8-128 characters of [A-Za-z0-9_-]', { uploadId });
    }
    return `${this.stagingBase}${uploadId}/`;
  }

  staging(uploadId: string, file: string): string {
    if (!STAGING_FILE.test(file)) {
      throw new StorageError('INVALID_KEY', 'staging file name must be 1-128 characters of [A-Za-z0-9._-]', { file });
    }
    return `${this.stagingPrefix(uploadId)}${file}`;
  }

  /** Classifies a key; null when it belongs to neither area (the sweeper leaves such keys alone). */
  parse(key: string): ParsedKey | null {
    if (key.startsWith(this.canonicalBase)) {
      const [hex, file, ...rest] = key.slice(this.canonicalBase.length).split('/');
      if (!hex || !file || !HEX_DIGEST.test(hex)) return null;
      if (rest.length === 0) return { kind: 'canonical', hex, file };
      const [toolchain, artifact, ...deeper] = rest;
      if (file === PRECOMPILED_DIR && toolchain && artifact && deeper.length === 0) {
        if (TOOLCHAIN_KEY.test(toolchain) && PRECOMPILED_FILE.test(artifact)) {
          return { kind: 'precompiled', hex, toolchain, file: artifact };
        }
      }
      return null;
    }
    if (key.startsWith(this.stagingBase)) {
      const [uploadId, file, ...rest] = key.slice(this.stagingBase.length).split('/');
      if (uploadId && file && rest.length === 0 && UPLOAD_ID.test(uploadId)) return { kind: 'staging', uploadId, file };
      return null;
    }
    return null;
  }
}
