export * from './types.js';
export * from './errors.js';
export * from './key-policy.js';
export { BodyLengthError } from './body-streams.js';
export { S3BundleStore, type S3StoreConfig } from './s3-bundle-store.js';
export { FsBundleStore, type FsStoreConfig } from './fs-bundle-store.js';
export { createBundleStore, type BundleStoreConfig } from './create-bundle-store.js';
export { MIN_PART_SIZE, MAX_PART_NUMBER, MAX_PRESIGN_SECONDS } from './object-rules.js';
