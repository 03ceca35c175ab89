import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ContentHash, PrewarmResponseBody } from '@extplat/contracts';
import { DomainError } from '@extplat/server-core';
import { BundleCache, type BundleLease } from '../cache/bundle-cache.js';
import { isBundleCacheError } from '../cache/cache.errors.js';
import { RUNNER_CONFIG } from '../config/config.module.js';
import type { RunnerConfig } from '../config/runner-config.js';
import { RunnerMetrics } from '../metrics/runner-metrics.js';
import { Sandbox } from '../sandbox/index.js';
import { componentLoadFailure } from '../execute/load-failure.js';
import { PrewarmErrors } from './prewarm.errors.js';

/**
 * Makes the next call of a bundle warm: the same steps as an execute's cold start (bundle cache: fetch,
 * hash, signature, unpack; sandbox: shared artifact or transpile, compile), without running anything.
 * When this Runner transpiled and shares artifacts, the answer waits until the artifact is written, so
 * a Runner started after it finds it.
 */
@Injectable()
export class PrewarmService {
  private readonly logger = new Logger('Prewarm');

  constructor(
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
    private readonly cache: BundleCache,
    private readonly sandbox: Sandbox,
    private readonly metrics: RunnerMetrics,
  ) {}

  async prewarm(contentHash: ContentHash): Promise<PrewarmResponseBody> {
    const started = performance.now();
    try {
      const answer = await this.load(contentHash, started);
      this.metrics.prewarm('ok', answer.source);
      this.logger.log({ msg: 'prewarmed', ...answer });
      return answer;
    } catch (error) {
      this.metrics.prewarm(error instanceof DomainError ? error.code : 'error');
      throw error;
    }
  }

  private async load(contentHash: ContentHash, started: number): Promise<PrewarmResponseBody> {
    let lease: BundleLease;
    try {
      lease = await this.cache.acquire(contentHash);
    } catch (error) {
      if (isBundleCacheError(error, 'BUNDLE_NOT_FOUND')) {
        throw new DomainError(PrewarmErrors.BUNDLE_UNAVAILABLE, error.message, { runnerCode: error.code });
      }
      throw error;
    }
    try {
      const loaded = await this.sandbox.load(contentHash, lease.componentPath);
      await this.sandbox.sharing(contentHash);
      return {
        contentHash,
        source: loaded.source,
        fetched: lease.timings !== undefined,
        totalMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      throw componentLoadFailure(error, this.config.cache.dir);
    } finally {
      lease.release();
    }
  }
}
