import { describe, expect, it } from '@jest/globals';
import { abortReason, backoffDelay, isNetworkError, isRetryableStatus, sleep } from './retry.js';

const policy = { retries: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

describe('retry policy', () => {
  it('doubles the delay per retry, with up to half of it random, up to the cap', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(10, policy, () => 1)).toBe(15_000);
    expect(backoffDelay(10, policy, () => 0)).toBe(7_500);
  });

  it('retries transient statuses only', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 409, 413, 422]) expect(isRetryableStatus(status)).toBe(false);
  });

  it('recognises network errors from node:http and from fetch, but not an abort', () => {
    expect(isNetworkError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isNetworkError(new Error('socket hang up'))).toBe(true);
    const fetchFailure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(isNetworkError(fetchFailure)).toBe(true);
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(isNetworkError(abort)).toBe(false);
    expect(isNetworkError(new Error('ENOENT: no such file'))).toBe(false);
  });

  it('sleeps until aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(abortReason(controller.signal).name).toBe('AbortError');
  });
});
