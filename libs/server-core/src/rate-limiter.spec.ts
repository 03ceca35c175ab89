import { describe, expect, it } from '@jest/globals';
import { DomainError } from './errors/index.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of capacity, then refuses with the time to wait, then refills', () => {
    let now = 0;
    const limiter = new RateLimiter(3, 1, () => now);
    for (let i = 0; i < 3; i++) limiter.consume('alice');
    let refused: unknown;
    try {
      limiter.consume('alice');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 1 } });
    limiter.consume('bob');
    now += 1000;
    expect(() => limiter.consume('alice')).not.toThrow();
  });
});
