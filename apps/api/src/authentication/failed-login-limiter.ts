import type { FailureCounter } from '@extplat/server-core';

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

  /** Counts a failure; answers the failures of the current window, this one included. */
  recordFailure(key: string, now: number = Date.now()): number {
    const window = this.current(key, now);
    if (window) {
      window.failures += 1;
      return window.failures;
    }
    if (this.windows.size >= this.limits.maxEntries) this.evict(now);
    this.windows.set(key, { startedAt: now, failures: 1 });
    return 1;
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

export interface LoginThrottleLimits {
  /** Guessing one account's password from one address. */
  perEmailAndAddress: FailedLoginLimits;
  /** One address's failures across every email: stops spraying many accounts from one place. */
  perAddress: FailedLoginLimits;
  /** Failures of one account from every address that make a warning in the log (never a refusal). */
  accountWarningThreshold: number;
}

export const DEFAULT_LOGIN_THROTTLE_LIMITS: LoginThrottleLimits = {
  perEmailAndAddress: DEFAULT_FAILED_LOGIN_LIMITS,
  perAddress: { maxFailures: 100, windowMs: 15 * 60_000, maxEntries: 10_000 },
  accountWarningThreshold: 100,
};

/**
 * The login throttle. Every budget is charged to the client address, so failures only ever slow down the
 * address that made them: nobody can lock an account for everyone else, the platform admin included.
 *
 * - per email and address: 10 failures a minute, then 429 for that email from that address;
 * - per address, whatever the email: 100 failures in 15 minutes, then 429 for every email from that address;
 * - per account, from every address: counted only to warn in the log. Refusing there would hand the lockout
 *   back to anyone with a few addresses, and every guess already costs a scrypt verification.
 *
 * A success clears the email-and-address window only: logging in to one's own account must not refill the
 * budget that an address spends spraying other accounts. In memory (per API process) unless Redis is
 * configured, where every API replica counts against the same budgets.
 */
export class LoginThrottle {
  private readonly perEmailAndAddress: FailureCounter;
  private readonly perAddress: FailureCounter;
  private readonly perAccount: FailureCounter;

  /**
   * `counters` makes each budget's counter: in this process by default, in Redis (shared by every API
   * replica) when the caller passes `SharedState.failureCounter`.
   */
  constructor(
    private readonly limits: LoginThrottleLimits = DEFAULT_LOGIN_THROTTLE_LIMITS,
    counters: (name: string, limits: FailedLoginLimits) => FailureCounter = inProcessCounter,
  ) {
    this.perEmailAndAddress = counters('login-email-address', limits.perEmailAndAddress);
    this.perAddress = counters('login-address', limits.perAddress);
    this.perAccount = counters('login-account', {
      maxFailures: limits.accountWarningThreshold,
      windowMs: limits.perAddress.windowMs,
      maxEntries: limits.perAddress.maxEntries,
    });
  }

  /** Seconds until this address may try this email again, or 0 when it may now. */
  async retryAfterSeconds(email: string, address: string, now: number = Date.now()): Promise<number> {
    const [emailAndAddress, addressOnly] = await Promise.all([
      this.perEmailAndAddress.retryAfterSeconds(FailedLoginLimiter.key(email, address), now),
      this.perAddress.retryAfterSeconds(address, now),
    ]);
    return Math.max(emailAndAddress, addressOnly);
  }

  /** Counts a failure; true exactly when it makes the account reach the warning threshold. */
  async recordFailure(email: string, address: string, now: number = Date.now()): Promise<boolean> {
    const [, , accountFailures] = await Promise.all([
      this.perEmailAndAddress.recordFailure(FailedLoginLimiter.key(email, address), now),
      this.perAddress.recordFailure(address, now),
      this.perAccount.recordFailure(email, now),
    ]);
    return accountFailures === this.limits.accountWarningThreshold;
  }

  recordSuccess(email: string, address: string): Promise<void> {
    return this.perEmailAndAddress.reset(FailedLoginLimiter.key(email, address));
  }
}

function inProcessCounter(_name: string, limits: FailedLoginLimits): FailureCounter {
  const local = new FailedLoginLimiter(limits);
  return {
    retryAfterSeconds: (key, now) => Promise.resolve(local.retryAfterSeconds(key, now)),
    recordFailure: (key, now) => Promise.resolve(local.recordFailure(key, now)),
    reset: (key) => Promise.resolve(local.reset(key)),
  };
}
