import { describe, expect, it } from '@jest/globals';
import { FailedLoginLimiter, LoginThrottle } from './failed-login-limiter.js';

const T0 = 1_000_000;
const limits = { maxFailures: 3, windowMs: 60_000, maxEntries: 100 };
const key = FailedLoginLimiter.key('jane@acme.test', '10.0.0.1');

describe('failed-login limiter', () => {
  it('allows attempts until the failures of one window reach the limit, then says how long to wait', () => {
    const limiter = new FailedLoginLimiter(limits);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds(key, T0 + i)).toBe(0);
      limiter.recordFailure(key, T0 + i);
    }
    expect(limiter.retryAfterSeconds(key, T0 + 10)).toBe(60);
    expect(limiter.retryAfterSeconds(key, T0 + 45_500)).toBe(15);
    expect(limiter.retryAfterSeconds(key, T0 + 60_000)).toBe(0);
  });

  it('counts each email and address separately', () => {
    const limiter = new FailedLoginLimiter(limits);
    for (let i = 0; i < 3; i++) limiter.recordFailure(key, T0);
    expect(limiter.retryAfterSeconds(FailedLoginLimiter.key('jane@acme.test', '10.0.0.2'), T0)).toBe(0);
    expect(limiter.retryAfterSeconds(FailedLoginLimiter.key('joe@acme.test', '10.0.0.1'), T0)).toBe(0);
  });

  it('forgets the failures after a successful login', () => {
    const limiter = new FailedLoginLimiter(limits);
    for (let i = 0; i < 2; i++) limiter.recordFailure(key, T0);
    limiter.reset(key);
    limiter.recordFailure(key, T0);
    limiter.recordFailure(key, T0);
    expect(limiter.retryAfterSeconds(key, T0)).toBe(0);
  });

  it('keeps at most maxEntries windows', () => {
    const limiter = new FailedLoginLimiter({ ...limits, maxEntries: 2 });
    limiter.recordFailure('a', T0);
    limiter.recordFailure('b', T0);
    for (let i = 0; i < 3; i++) limiter.recordFailure('c', T0);
    expect(limiter.retryAfterSeconds('c', T0)).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) limiter.recordFailure('a', T0);
    expect(limiter.retryAfterSeconds('a', T0)).toBe(0); // "a" was evicted and started over
  });
});

describe('login throttle', () => {
  const throttleLimits = {
    perEmailAndAddress: { maxFailures: 3, windowMs: 60_000, maxEntries: 100 },
    perAddress: { maxFailures: 5, windowMs: 600_000, maxEntries: 100 },
    accountWarningThreshold: 4,
  };

  it('never refuses an account to an address that did not fail, however many others did', async () => {
    const throttle = new LoginThrottle(throttleLimits);
    for (let address = 0; address < 50; address++) {
      for (let i = 0; i < 3; i++) await throttle.recordFailure('admin@x.test', `10.0.0.${address}`, T0);
    }
    expect(await throttle.retryAfterSeconds('admin@x.test', '10.0.0.1', T0)).toBe(60);
    expect(await throttle.retryAfterSeconds('admin@x.test', '192.0.2.1', T0)).toBe(0);
  });

  it('gives each address one budget across emails, which its own successful login does not refill', async () => {
    const throttle = new LoginThrottle(throttleLimits);
    for (let i = 0; i < 5; i++) await throttle.recordFailure(`victim${i}@x.test`, '10.0.0.9', T0);
    await throttle.recordSuccess('me@x.test', '10.0.0.9');
    expect(await throttle.retryAfterSeconds('me@x.test', '10.0.0.9', T0)).toBe(600);
    expect(await throttle.retryAfterSeconds('me@x.test', '10.0.0.8', T0)).toBe(0);
    expect(await throttle.retryAfterSeconds('me@x.test', '10.0.0.9', T0 + 600_000)).toBe(0);
  });

  it('says once when one account reaches the warning threshold across addresses', async () => {
    const throttle = new LoginThrottle(throttleLimits);
    const warnings: boolean[] = [];
    for (let i = 0; i < 6; i++) warnings.push(await throttle.recordFailure('admin@x.test', `10.0.1.${i}`, T0));
    expect(warnings).toEqual([false, false, false, true, false, false]);
  });
});
