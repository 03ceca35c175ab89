import { type DynamicModule, Inject, Injectable, Module } from '@nestjs/common';
import { createBundleStore, KeyPolicy, type BundleStore } from '@extplat/storage';
import type { StorageConfig } from '../config/index.js';
import type { ReadinessCheck } from '../health/index.js';

/** Injection token of the process's {@link BundleStore}. */
export const BUNDLE_STORE = Symbol('BUNDLE_STORE');

export function bundleStoreFromConfig(config: StorageConfig): BundleStore {
  return config.driver === 'fs'
    ? createBundleStore({ driver: 'fs', fs: config.fs })
    : createBundleStore({ driver: 's3', s3: config.s3 });
}

@Injectable()
export class StorageReadiness implements ReadinessCheck {
  readonly name = 'storage';

  constructor(@Inject(BUNDLE_STORE) private readonly store: BundleStore) {}

  check(): Promise<void> {
    return this.store.ping();
  }
}

/** Provides the bundle store chosen by STORAGE_DRIVER and the key policy, to the whole app. */
@Module({})
export class StorageModule {
  static register(config: StorageConfig): DynamicModule {
    return {
      module: StorageModule,
      global: true,
      providers: [
        { provide: BUNDLE_STORE, useFactory: () => bundleStoreFromConfig(config) },
        { provide: KeyPolicy, useFactory: () => new KeyPolicy(config.canonicalBase, config.stagingBase) },
        StorageReadiness,
      ],
      exports: [BUNDLE_STORE, KeyPolicy, StorageReadiness],
    };
  }
}
