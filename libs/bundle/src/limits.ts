const MIB = 1024 * 1024;

/** Default limits of a bundle (ARCHITECTURE §2); the byte limits can be changed by configuration. */
export const DEFAULT_BUNDLE_LIMITS = {
  /** Compressed size: the bytes of bundle.tar.zst. */
  maxBytes: 200 * MIB,
  /** Sum of the sizes of every file in the archive. */
  maxUnpackedBytes: 1024 * MIB,
  maxManifestBytes: 1 * MIB,
} as const;
