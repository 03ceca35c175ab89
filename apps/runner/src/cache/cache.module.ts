import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BUNDLE_STORE } from '@extplat/server-core';
import { type BundleStore, KeyPolicy } from '@extplat/storage';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { PublishedVersionsRepository } from '../ext-ui/published-versions.repository.js';
import { BundleCache, type BundleCacheObserver } from './bundle-cache.js';

/**
 * Optional injection token of a {@link BundleCacheObserver} (the metrics service). It must be visible
 * from this module, i.e. provided and exported by a global module.
 */
export const BUNDLE_CACHE_OBSERVER = Symbol('BUNDLE_CACHE_OBSERVER');

/** Provides the process's one {@link BundleCache}; ext-ui and execute both import this module. */
@Module({
  providers: [
    PublishedVersionsRepository,
    {
      provide: BundleCache,
      inject: [
        RUNNER_CONFIG,
        BUNDLE_STORE,
        KeyPolicy,
        PublishedVersionsRepository,
        { token: BUNDLE_CACHE_OBSERVER, optional: true },
      ],
      useFactory: (
        config: RunnerConfig,
        store: BundleStore,
        keys: KeyPolicy,
        registry: PublishedVersionsRepository,
        observer?: BundleCacheObserver,
      ) =>
        new BundleCache({
          store,
          keys,
          dir: config.cache.dir,
          maxBytes: config.cache.maxBytes,
          limits: config.bundle,
          signing: config.signing,
          observer,
          registeredAt: (contentHash) => registry.registeredAt(contentHash),
        }),
    },
  ],
  exports: [BundleCache, PublishedVersionsRepository],
})
export class BundleCacheModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(BundleCache) private readonly cache: BundleCache) {}

  /** Adopts the entries of an earlier process and clears its leftovers before the Runner accepts requests. */
  onModuleInit(): Promise<void> {
    return this.cache.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.cache.drain();
  }
}
