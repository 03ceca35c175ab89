import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of one execution, as counted in `extplat_runner_executions_total{outcome}`. */
export type ExecutionOutcomeLabel =
  'ok' | 'timeout' | 'out-of-memory' | 'trap' | 'capability-denied' | 'invalid-response' | 'bundle-error' | 'rejected';

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
  private sandboxStats: (() => { busy: number; alive: number; queued: number }) | undefined;

  constructor() {
    const stats = () => this.sandboxStats?.();
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
    collectDefaultMetrics({ register: this.registry, prefix: 'extplat_runner_' });
  }

  /** The sandbox's pool, read when metrics are scraped. */
  observeSandbox(stats: () => { busy: number; alive: number; queued: number }): void {
    this.sandboxStats = stats;
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

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
