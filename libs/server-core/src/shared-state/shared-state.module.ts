import { type DynamicModule, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisConfig } from '../config/index.js';
import type { ReadinessCheck } from '../health/index.js';
import { SharedState } from './shared-state.js';

const SHARED_STATE_OPTIONS = Symbol('SHARED_STATE_OPTIONS');

interface SharedStateOptions {
  redis: RedisConfig | undefined;
  /** True when the process cannot work without Redis (the Runner's replay cache fails closed). */
  required: boolean;
}

/**
 * Readiness check `redis`: reports Redis when it is configured. Where Redis is required (the Runner) an
 * outage makes the process not ready; where the process degrades (the API's limits fall back to per-process
 * ones) it stays ready and the outage is reported in the detail.
 */
@Injectable()
export class SharedStateReadiness implements ReadinessCheck {
  readonly name = 'redis';

  constructor(
    private readonly state: SharedState,
    @Inject(SHARED_STATE_OPTIONS) private readonly options: SharedStateOptions,
  ) {}

  async check(): Promise<string> {
    if (!this.state.redis) return 'not configured: limits and the replay cache are per process';
    try {
      const latencyMs = await this.state.ping();
      return `ok in ${Math.round(latencyMs ?? 0)} ms`;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.options.required) throw new Error(`unreachable: ${message}`);
      return `unreachable (${message}): limits are per process until it is back`;
    }
  }
}

@Injectable()
class SharedStateLifecycle implements OnApplicationShutdown {
  constructor(private readonly state: SharedState) {}

  onApplicationShutdown(): Promise<void> {
    return this.state.close();
  }
}

/** Provides the process's {@link SharedState} (Redis when `REDIS_URL` is set) and its readiness check. */
@Module({})
export class SharedStateModule {
  static register(options: SharedStateOptions): DynamicModule {
    return {
      module: SharedStateModule,
      global: true,
      providers: [
        { provide: SHARED_STATE_OPTIONS, useValue: options },
        {
          provide: SharedState,
          useFactory: () => SharedState.open(options.redis),
        },
        SharedStateLifecycle,
        SharedStateReadiness,
      ],
      exports: [SharedState, SharedStateReadiness],
    };
  }
}
