import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DEFAULT_GC_OPTIONS } from './gc-options.js';
import { GcScheduler } from './gc.scheduler.js';
import type { GcReport, GcSweepOptions } from './gc.service.js';

const emptyReport: GcReport = {
  dryRun: false,
  expiredSessions: [],
  abortedMultipart: 0,
  deletedStagingObjects: [],
  orphanedStagingObjects: [],
  skipped: [],
  failures: [],
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sweeper whose runs take `durationMs` and fail while `failing` is set; counts overlap. */
class RecordingSweeper {
  runs = 0;
  concurrent = 0;
  maxConcurrent = 0;
  failing = false;
  constructor(private readonly durationMs: number) {}

  async sweep(options: GcSweepOptions): Promise<GcReport> {
    expect(options.dryRun).toBe(false);
    this.runs += 1;
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      await sleep(this.durationMs);
      if (this.failing) throw new Error('database went away');
      return emptyReport;
    } finally {
      this.concurrent -= 1;
    }
  }
}

describe('the periodic GC run', () => {
  const errors: unknown[] = [];
  Logger.overrideLogger({
    log: () => undefined,
    warn: () => undefined,
    error: (message: unknown) => errors.push(message),
  });
  let scheduler: GcScheduler | undefined;

  afterEach(async () => {
    await scheduler?.beforeApplicationShutdown();
    errors.length = 0;
  });

  it('starts on bootstrap and never overlaps runs, even when a run outlasts the interval', async () => {
    const sweeper = new RecordingSweeper(40);
    scheduler = new GcScheduler(sweeper, { ...DEFAULT_GC_OPTIONS, initialDelayMs: 0, intervalMs: 5 });
    scheduler.onApplicationBootstrap();
    await sleep(250);
    expect(sweeper.runs).toBeGreaterThanOrEqual(3);
    expect(sweeper.maxConcurrent).toBe(1);
  });

  it('logs a failed run and keeps the schedule going', async () => {
    const sweeper = new RecordingSweeper(1);
    sweeper.failing = true;
    scheduler = new GcScheduler(sweeper, { ...DEFAULT_GC_OPTIONS, initialDelayMs: 0, intervalMs: 5 });
    scheduler.onApplicationBootstrap();
    await sleep(100);
    expect(sweeper.runs).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toMatchObject({ err: { message: 'database went away' } });
    sweeper.failing = false;
    const before = sweeper.runs;
    await sleep(50);
    expect(sweeper.runs).toBeGreaterThan(before);
  });

  it('on shutdown waits for the run in progress and starts no other', async () => {
    const sweeper = new RecordingSweeper(80);
    scheduler = new GcScheduler(sweeper, { ...DEFAULT_GC_OPTIONS, initialDelayMs: 0, intervalMs: 1 });
    scheduler.onApplicationBootstrap();
    await sleep(20);
    expect(sweeper.concurrent).toBe(1);
    await scheduler.beforeApplicationShutdown();
    expect(sweeper.concurrent).toBe(0);
    const runs = sweeper.runs;
    await sleep(50);
    expect(sweeper.runs).toBe(runs);
  });

  it('does nothing before the first delay has passed', async () => {
    const sweeper = new RecordingSweeper(1);
    scheduler = new GcScheduler(sweeper, { ...DEFAULT_GC_OPTIONS, initialDelayMs: 60_000 });
    scheduler.onApplicationBootstrap();
    await sleep(30);
    expect(sweeper.runs).toBe(0);
  });
});
