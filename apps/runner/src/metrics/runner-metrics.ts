import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of one execution, as counted in `extplat_runner_executions_total{outcome}`. */
export type ExecutionOutcomeLabel =
  | 'ok'
  | 'busy'
  | 'timeout'
  | 'out-of-memory'
  | 'trap'
  | 'capability-denied'
  | 'invalid-response'
  | 'bundle-error'
  | 'rejected';

/**
 * Distinct tenant label values the per-tenant metrics keep; later tenants are counted under `other`.
 * Tenant ids are bounded by the platform's tenants (every call is for an install the API resolved), so
 * this is a guard for very large platforms, not the normal case.
 */
export const TENANT_LABELS_MAX = 200;
export const OTHER_TENANTS_LABEL = 'other';

interface SandboxLoad {
  busy: number;
  alive: number;
  queued: number;
  tenants: Map<string, { queued: number; running: number }>;
}

/**
 * The Runner's Prometheus metrics, on a registry of its own (two apps in one test process must not
 * share counters). Served at `GET /metrics`.
 */
@Injectable()
export class RunnerMetrics {
  readonly registry = new Registry();
  private readonly executions = new Counter({
    name: 'extplat_runner_executions_total',
    help: 'Executions by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'extplat_runner_execution_duration_seconds',
    help: 'Wall-clock time of an execution, from the signed request to the answer.',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({
    name: 'extplat_runner_cache_hits_total',
    help: 'Bundle cache lookups answered from the local disk.',
    registers: [this.registry],
  });
  private readonly cacheMisses = new Counter({
    name: 'extplat_runner_cache_misses_total',
    help: 'Bundle cache lookups that fetched the bundle from the store.',
    registers: [this.registry],
  });
  private readonly bytesFetched = new Counter({
    name: 'extplat_runner_bundle_bytes_fetched_total',
    help: 'Compressed bundle bytes read from the store.',
    registers: [this.registry],
  });
  private readonly bundleRejections = new Counter({
    name: 'extplat_runner_bundle_rejections_total',
    help: 'Bundles refused on a cache miss (hash, signature or safety checks), by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly egressDenials = new Counter({
    name: 'extplat_runner_egress_denials_total',
    help: 'Outgoing requests of extensions refused at the egress choke point, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly egressRequests = new Counter({
    name: 'extplat_runner_egress_requests_total',
    help: 'Outgoing requests of extensions that reached their upstream.',
    registers: [this.registry],
  });
  private readonly queueWait = new Histogram({
    name: 'extplat_runner_queue_wait_seconds',
    help: 'Time an execution waited for a sandbox worker, by tenant.',
    labelNames: ['tenant'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly queueRejections = new Counter({
    name: 'extplat_runner_queue_rejections_total',
    help: 'Executions refused with 503 RUNNER_BUSY, by tenant and reason (queue-full, queue-timeout).',
    labelNames: ['tenant', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly prewarms = new Counter({
    name: 'extplat_runner_prewarms_total',
    help: 'Prewarm requests (POST /v1/prewarm) by outcome and, when ok, where the transpile output came from.',
    labelNames: ['outcome', 'source'] as const,
    registers: [this.registry],
  });
  private readonly artifacts = new Counter({
    name: 'extplat_runner_precompiled_artifacts_total',
    help: 'Shared precompiled artifacts: fetch verdicts (loaded, missing, rejected, failed) and publications.',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  private readonly tenantLabels = new Set<string>();
  private sandboxStats: (() => SandboxLoad) | undefined;

  constructor() {
    const stats = () => this.sandboxStats?.();
    const tenantLabel = (tenantId: string) => this.tenantLabel(tenantId);
    new Gauge({
      name: 'extplat_runner_sandbox_workers_busy',
      help: 'Sandbox worker threads running an execution.',
      registers: [this.registry],
      collect() {
        this.set(stats()?.busy ?? 0);
      },
    });
    new Gauge({
      name: 'extplat_runner_sandbox_workers_alive',
      help: 'Sandbox worker threads ready or running.',
      registers: [this.registry],
      collect() {
        this.set(stats()?.alive ?? 0);
      },
    });
    new Gauge({
      name: 'extplat_runner_sandbox_queue_length',
      help: 'Executions waiting for a free worker.',
      registers: [this.registry],
      collect() {
        this.set(stats()?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'extplat_runner_tenant_queue_depth',
      help: 'Executions of a tenant waiting for a sandbox worker (tenants with none waiting read 0).',
      labelNames: ['tenant'] as const,
      registers: [this.registry],
      collect() {
        const depths = new Map<string, number>();
        for (const [tenantId, load] of stats()?.tenants ?? []) {
          const label = tenantLabel(tenantId);
          depths.set(label, (depths.get(label) ?? 0) + load.queued);
        }
        // Tenants seen before but idle now go back to 0 rather than keeping their last depth.
        this.reset();
        for (const [label, depth] of depths) this.set({ tenant: label }, depth);
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'extplat_runner_' });
  }

  /** The sandbox's pool, read when metrics are scraped. */
  observeSandbox(stats: () => SandboxLoad): void {
    this.sandboxStats = stats;
  }

  /** The sandbox's scheduling observer: queue waits and refusals per tenant. */
  readonly scheduling = {
    waited: (tenantId: string, ms: number): void =>
      this.queueWait.observe({ tenant: this.tenantLabel(tenantId) }, ms / 1000),
    rejected: (tenantId: string, reason: string): void =>
      this.queueRejections.inc({ tenant: this.tenantLabel(tenantId), reason }),
  };

  private tenantLabel(tenantId: string): string {
    if (this.tenantLabels.has(tenantId)) return tenantId;
    if (this.tenantLabels.size >= TENANT_LABELS_MAX) return OTHER_TENANTS_LABEL;
    this.tenantLabels.add(tenantId);
    return tenantId;
  }

  execution(outcome: ExecutionOutcomeLabel, seconds: number): void {
    this.executions.inc({ outcome });
    this.duration.observe({ outcome }, seconds);
  }

  /** The bundle cache's observer. */
  readonly cache = {
    hit: (): void => this.cacheHits.inc(),
    miss: (): void => this.cacheMisses.inc(),
    fetched: (bytes: number): void => this.bytesFetched.inc(bytes),
    rejected: (code: string): void => this.bundleRejections.inc({ code }),
  };

  /** The egress gate's observer. */
  readonly egress = {
    denied: (reason: string): void => this.egressDenials.inc({ reason }),
    fetched: (): void => this.egressRequests.inc(),
  };

  /** One prewarm request: `ok` with the source of its transpile output, or the error code that ended it. */
  prewarm(outcome: string, source = ''): void {
    this.prewarms.inc({ outcome, source });
  }

  /** A shared-artifact event (see PrecompiledArtifacts). */
  artifact(event: string): void {
    this.artifacts.inc({ event });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
