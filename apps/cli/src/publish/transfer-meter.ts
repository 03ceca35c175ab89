import { formatBytes } from '../output.js';

/** Speed is measured over this much recent time, so a stall shows quickly and a burst does not linger. */
const WINDOW_MS = 5_000;

/**
 * Bytes sent so far, current speed and time left, for the progress line. Bytes that were already stored
 * before this run (a resumed upload) count towards the percentage but not towards the speed.
 */
export class TransferMeter {
  private sent = 0;
  private readonly samples: { at: number; sent: number }[] = [];
  private readonly startedAt: number;

  constructor(
    readonly total: number,
    private readonly alreadyStored = 0,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    this.samples.push({ at: this.startedAt, sent: 0 });
  }

  /** Counts bytes sent; a failed attempt takes its bytes back with a negative count. */
  add(bytes: number): void {
    this.sent += bytes;
    const at = this.now();
    this.samples.push({ at, sent: this.sent });
    // Keep one sample older than the window as the baseline of the speed.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - WINDOW_MS) this.samples.shift();
  }

  get done(): number {
    return Math.min(this.total, this.alreadyStored + this.sent);
  }

  get sentThisRun(): number {
    return this.sent;
  }

  /** Bytes per second over the recent window (0 until time has passed). */
  speed(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last) return 0;
    const end = Math.max(last.at, this.now());
    const seconds = (end - first.at) / 1000;
    return seconds > 0 ? Math.max(0, (last.sent - first.sent) / seconds) : 0;
  }

  /** Seconds left at the current speed; undefined while the speed is unknown. */
  secondsLeft(): number | undefined {
    const speed = this.speed();
    if (speed <= 0) return undefined;
    return (this.total - this.done) / speed;
  }

  elapsedSeconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  /** `12.0 MiB of 48.0 MiB (25%), 8.00 MiB/s, 5 s left` */
  line(): string {
    return formatTransfer(this.done, this.total, this.speed(), this.secondsLeft());
  }
}

export function formatTransfer(done: number, total: number, speed: number, secondsLeft: number | undefined): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
  const left = secondsLeft === undefined ? 'estimating time left' : `${formatDuration(secondsLeft)} left`;
  return `${formatBytes(done)} of ${formatBytes(total)} (${percent}%), ${formatSpeed(speed)}, ${left}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** `45 s`, `2 min 05 s`, `1 h 02 min`: precise where it matters, short where it does not. */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  const minutes = Math.floor(whole / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
