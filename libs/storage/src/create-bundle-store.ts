import { FsBundleStore, type FsStoreConfig } from './fs-bundle-store.js';
import { S3BundleStore, type S3StoreConfig } from './s3-bundle-store.js';
import type { BundleStore } from './types.js';

export type BundleStoreConfig = { driver: 's3'; s3: S3StoreConfig } | { driver: 'fs'; fs: FsStoreConfig };

export function createBundleStore(config: BundleStoreConfig): BundleStore {
  switch (config.driver) {
    case 's3':
      return new S3BundleStore(config.s3);
    case 'fs':
      return new FsBundleStore(config.fs);
  }
}
