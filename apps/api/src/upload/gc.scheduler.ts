import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { GC_OPTIONS, type GcOptions } from './gc-options.js';
import { GcService } from './gc.service.js';

/**
 * Runs a sweep periodically inside the API. The next run is scheduled only when the previous one has
 * finished, so runs never overlap; a failed run is logged and the schedule goes on. Several API instances
 * may sweep at the same time: row locks keep them off each other's sessions.
 */
@Injectable()
export class GcScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Gc');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    // Only sweep() is used, so a test can hand in any sweeper; the explicit token keeps DI working.
    @Inject(GcService) private readonly gc: Pick<GcService, 'sweep'>,
    @Inject(GC_OPTIONS) private readonly options: GcOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(this.options.initialDelayMs);
  }

  /** Before the database closes: cancel the next run and wait for the current one. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    // A pending sweep must not keep the process alive on its own.
    this.timer.unref();
  }

  private async runOnce(): Promise<void> {
    try {
      await this.gc.sweep({ dryRun: false });
    } catch (error) {
      this.logger.error({
        msg: 'GC sweep failed; trying again at the next interval',
        err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error),
      });
    }
  }
}
