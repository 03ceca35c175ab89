import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';
import { LoginFailuresRepository } from './login-failures.repository.js';

/** How often the failed logins past their retention are deleted. */
export const LOGIN_FAILURES_PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * Deletes failed logins older than AUTH_LOGIN_FAILURE_RETENTION_DAYS: at startup, then hourly. Runs never
 * overlap; a failed run is logged and the schedule goes on. Several API instances may prune at once: the
 * DELETEs are idempotent.
 */
@Injectable()
export class LoginFailuresPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Auth');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly loginFailures: LoginFailuresRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pruning pass; answers how many failures it deleted. */
  async prune(): Promise<number> {
    const deleted = await this.loginFailures.pruneOlderThan(this.config.auth.loginFailureRetentionSeconds);
    if (deleted > 0) this.logger.log({ msg: 'pruned failed logins past their retention', deleted });
    return deleted;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.prune()
        .then(
          () => undefined,
          (error: unknown) => {
            this.logger.error({
              msg: 'pruning failed logins failed; trying again at the next interval',
              err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
            });
          },
        )
        .finally(() => {
          this.running = undefined;
          this.schedule(LOGIN_FAILURES_PRUNE_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
