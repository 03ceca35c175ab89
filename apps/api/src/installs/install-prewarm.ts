import { Inject, Injectable, Logger } from '@nestjs/common';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';
import { ApiMetrics } from '../metrics/api-metrics.js';
import { RunnerPool } from '../runners/runner-pool.js';

export type PrewarmReason = 'install.create' | 'install.enable' | 'install.version-change';

/**
 * Asks the Runner to warm a bundle after an install change that will soon bring calls (created enabled,
 * enabled, moved to another version while enabled), so the first call does not pay for fetching and
 * transpiling it. Fire-and-forget: the install's answer never waits for it and never fails because of it;
 * a failed prewarm is a warning in the log and a count in `extplat_api_prewarms_total`, and the first call
 * then warms the bundle itself as before.
 */
@Injectable()
export class InstallPrewarmer {
  private readonly logger = new Logger('Prewarm');
  private readonly pending = new Set<Promise<void>>();
  /** RUNNER_PREWARM_TIMEOUT_MS: long enough for a cold fetch + transpile on a busy Runner; 0 is off. */
  private readonly timeoutMs: number;

  constructor(
    @Inject(API_CONFIG) config: ApiConfig,
    private readonly runners: RunnerPool,
    private readonly metrics: ApiMetrics,
  ) {
    this.timeoutMs = config.runner.prewarmTimeoutMs;
  }

  request(contentHash: string, reason: PrewarmReason): void {
    if (this.timeoutMs === 0) return;
    const started = performance.now();
    const work = this.runners.prewarm(contentHash, this.timeoutMs).then((answer) => {
      const ms = Math.round(performance.now() - started);
      this.metrics.prewarm(answer.kind === 'ok' ? 'warmed' : answer.kind);
      if (answer.kind === 'ok') {
        this.logger.log({ msg: 'bundle prewarmed', contentHash, reason, ms, source: answer.body.source });
        return;
      }
      this.logger.warn({
        msg: 'prewarm failed; the first call will warm the bundle',
        contentHash,
        reason,
        ms,
        outcome: answer.kind,
        ...(answer.kind === 'error' ? { status: answer.status, runnerCode: answer.code, error: answer.message } : {}),
        ...(answer.kind === 'unavailable' ? { error: answer.message } : {}),
      });
    });
    const tracked = work.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when every prewarm requested so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
