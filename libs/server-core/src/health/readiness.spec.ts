import { describe, expect, it } from '@jest/globals';
import { runReadinessChecks } from './readiness.js';

describe('runReadinessChecks', () => {
  it('is ready only when every check passes, and reports each', async () => {
    const result = await runReadinessChecks(
      [
        { name: 'database', check: () => Promise.resolve() },
        { name: 'storage', check: () => Promise.reject(new Error('bucket missing')) },
      ],
      1000,
    );
    expect(result.ready).toBe(false);
    expect(result.checks['database']).toMatchObject({ ok: true });
    expect(result.checks['storage']).toMatchObject({ ok: false, error: 'bucket missing' });
  });

  it('bounds a check that never answers', async () => {
    const started = Date.now();
    const result = await runReadinessChecks([{ name: 'stuck', check: () => new Promise(() => undefined) }], 50);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result).toEqual({
      ready: false,
      checks: { stuck: { ok: false, latencyMs: expect.any(Number), error: 'no answer within 50 ms' } },
    });
  });
});
