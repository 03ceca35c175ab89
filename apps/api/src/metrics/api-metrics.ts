import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** How a prewarm the API asked of a Runner ended, as counted in `extplat_api_prewarms_total{outcome}`. */
export type PrewarmOutcomeLabel = 'warmed' | 'error' | 'timeout' | 'unavailable';

/**
 * The API's Prometheus metrics, on a registry of its own (two apps in one test process must not share
 * counters). Served by {@link MetricsServer} on `API_METRICS_PORT`, not on the public API port.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly prewarms = new Counter({
    name: 'extplat_api_prewarms_total',
    help: 'Prewarms asked of a Runner on install changes, by outcome (warmed, error, timeout, unavailable).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly uploadVerifications = new Counter({
    name: 'extplat_api_upload_verifications_total',
    help: 'Finalize inspections by where the bytes came from: spool (the local copy of a proxy upload) or store (read back).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'extplat_api_' });
  }

  prewarm(outcome: PrewarmOutcomeLabel): void {
    this.prewarms.inc({ outcome });
  }

  uploadVerified(source: 'spool' | 'store'): void {
    this.uploadVerifications.inc({ source });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
