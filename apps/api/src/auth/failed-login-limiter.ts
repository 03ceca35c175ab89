export interface FailedLoginLimits {
  /** Failures allowed in one window; the next attempt is refused until the window ends. */
  maxFailures: number;
  windowMs: number;
  /** Bounds memory under a flood of distinct emails or addresses. */
  maxEntries: number;
}

export const DEFAULT_FAILED_LOGIN_LIMITS: FailedLoginLimits = { maxFailures: 10, windowMs: 60_000, maxEntries: 10_000 };

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Counts failed logins per email and client address in fixed windows that start at the first failure.
 * In memory, so per process: it slows online guessing down, it is not an account lockout.
 */
export class FailedLoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: FailedLoginLimits = DEFAULT_FAILED_LOGIN_LIMITS) {}

  static key(email: string, address: string): string {
    return `${email}\u0000${address}`;
  }

  /** Seconds until another attempt is allowed, or 0 when one is allowed now. */
  retryAfterSeconds(key: string, now: number = Date.now()): number {
    const window = this.current(key, now);
    if (!window || window.failures < this.limits.maxFailures) return 0;
    return Math.max(1, Math.ceil((window.startedAt + this.limits.windowMs - now) / 1000));
  }

  recordFailure(key: string, now: number = Date.now()): void {
    const window = this.current(key, now);
    if (window) {
      window.failures += 1;
      return;
    }
    if (this.windows.size >= this.limits.maxEntries) this.evict(now);
    this.windows.set(key, { startedAt: now, failures: 1 });
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && now - window.startedAt >= this.limits.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (now - window.startedAt >= this.limits.windowMs) this.windows.delete(key);
    }
    // Still full: drop the oldest windows (a Map iterates in insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.limits.maxEntries) break;
      this.windows.delete(key);
    }
  }
}
