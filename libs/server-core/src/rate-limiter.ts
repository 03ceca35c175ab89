import { CommonErrors, DomainError } from './errors/index.js';

/**
 * Token buckets in memory, one per key: `capacity` requests at once, refilled at `perSecond`. Per process:
 * with several API instances each allows its own share, which is the intended bound for abuse control,
 * not an exact quota.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`, or throws RATE_LIMITED with the seconds to wait. */
  consume(key: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updated: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.updated) / 1000) * this.perSecond);
    bucket.updated = now;
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
      this.buckets.set(key, bucket);
      throw new DomainError(CommonErrors.RATE_LIMITED, `Too many requests; retry in ${retryAfterSeconds} s`, {
        retryAfterSeconds,
      });
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.prune(now);
  }

  /** Drops full buckets, which carry no information. */
  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updated) / 1000) * this.perSecond >= this.capacity) this.buckets.delete(key);
    }
  }
}
