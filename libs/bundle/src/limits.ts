import { ZSTD_MAGIC_BYTES } from '@extplat/contracts';
import { MAX_BUNDLE_PATH_BYTES } from './manifest-paths.js';

const MIB = 1024 * 1024;

/** Limits of a bundle (ARCHITECTURE §3). The two byte limits can be changed by configuration. */
export interface BundleLimits {
  /** Compressed size: the bytes of bundle.tar.zst. */
  maxBytes: number;
  /** Sum of the sizes of every file in the archive. */
  maxUnpackedBytes: number;
  maxEntries: number;
  /** Length of an entry path in UTF-8 bytes (at most MAX_BUNDLE_PATH_BYTES, which manifests use too). */
  maxPathBytes: number;
  maxPathDepth: number;
  maxManifestBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: Readonly<BundleLimits> = {
  maxBytes: 200 * MIB,
  maxUnpackedBytes: 1024 * MIB,
  maxEntries: 10_000,
  maxPathBytes: MAX_BUNDLE_PATH_BYTES,
  maxPathDepth: 32,
  maxManifestBytes: 1 * MIB,
};

export const MANIFEST_PATH = 'manifest.json';

/** zstd frame magic number (RFC 8878 §3.1.1), little-endian 0xFD2FB528. */
export const ZSTD_MAGIC = Buffer.from(ZSTD_MAGIC_BYTES);

/**
 * Largest zstd window the reader accepts (2^24 = 16 MiB): bounds the decoder's memory whatever a frame
 * header claims. Every compression level up to 19 fits; only `--long`/ultra settings exceed it.
 */
export const ZSTD_WINDOW_LOG_MAX = 24;
