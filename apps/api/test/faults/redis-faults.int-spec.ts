import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  DomainError,
  LocalFailureCounter,
  ReplayCacheUnavailableError,
  SharedState,
  SharedStateReadiness,
} from '@extplat/server-core';
import { FailedLoginLimiter } from '../../src/authentication/failed-login-limiter.js';
import { tcpProxy, type TcpProxy } from './fault-harness.js';

const REDIS = 'redis://127.0.0.1:6379';

/** Two "replicas": SharedState instances on one Redis, with a key prefix of this test's own. */
const opened: SharedState[] = [];
const proxies: TcpProxy[] = [];
async function replica(url = REDIS, keyPrefix = `test:${randomUUID()}:`): Promise<SharedState> {
  const state = await SharedState.open({ url, keyPrefix });
  opened.push(state);
  return state;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((state) => state.close()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

describe('shared state in Redis', () => {
  it('holds one call limit across replicas and says when to retry', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [await replica(REDIS, prefix), await replica(REDIS, prefix)];
    const [limitA, limitB] = [a.callLimiter('gateway', 3), b.callLimiter('gateway', 3)];
    await limitA.consume('tenant\next');
    await limitB.consume('tenant\next');
    await limitA.consume('tenant\next');
    const refused = await refusal(limitB.consume('tenant\next'));
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: expect.any(Number) } });
    expect((refused as DomainError).details?.['retryAfterSeconds']).toBeLessThanOrEqual(60);
    // Another key has its own budget.
    await limitB.consume('tenant\nother');
  });

  it('refuses a nonce on one replica that another already accepted', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [await replica(REDIS, prefix), await replica(REDIS, prefix)];
    const nonce = randomUUID();
    expect(await a.replayGuard().remember(nonce)).toBe(true);
    expect(await b.replayGuard().remember(nonce)).toBe(false);
    expect(await a.replayGuard().remember(nonce)).toBe(false);
    expect(await b.replayGuard().remember(randomUUID())).toBe(true);
  });

  it('counts failures of one window across replicas, and a reset clears them', async () => {
    const prefix = `test:${randomUUID()}:`;
    const limits = { maxFailures: 2, windowMs: 60_000, maxEntries: 100 };
    const counter = async () =>
      (await replica(REDIS, prefix)).failureCounter('login', limits, new FailedLoginLimiter(limits));
    const [a, b] = [await counter(), await counter()];
    expect(await a.recordFailure('k')).toBe(1);
    expect(await b.retryAfterSeconds('k')).toBe(0);
    expect(await b.recordFailure('k')).toBe(2);
    expect(await a.retryAfterSeconds('k')).toBeGreaterThan(55);
    await b.reset('k');
    expect(await a.retryAfterSeconds('k')).toBe(0);
  });

  it('during an outage: nonces fail closed, limits fall back to the process, readiness says which; then recovers', async () => {
    const proxy = await tcpProxy('http://127.0.0.1:6379');
    proxies.push(proxy);
    const state = await replica(proxy.url.replace('http:', 'redis:'));
    const guard = state.replayGuard();
    const limiter = state.callLimiter('upload-session', 2);
    const local: LocalFailureCounter = new FailedLoginLimiter({ maxFailures: 1, windowMs: 60_000, maxEntries: 10 });
    const failures = state.failureCounter('login', { maxFailures: 1, windowMs: 60_000 }, local);
    const required = new SharedStateReadiness(state, { redis: state.config, required: true });
    const degradable = new SharedStateReadiness(state, { redis: state.config, required: false });
    expect(await guard.remember(randomUUID())).toBe(true);
    await expect(required.check()).resolves.toMatch(/^ok in \d+ ms$/);

    proxy.cut();
    const started = Date.now();
    expect(await refusal(guard.remember(randomUUID()))).toBeInstanceOf(ReplayCacheUnavailableError);
    expect(Date.now() - started).toBeLessThan(2000);
    // The limit still holds, per process: two calls pass, the third is refused.
    await limiter.consume('admin');
    await limiter.consume('admin');
    expect(await refusal(limiter.consume('admin'))).toMatchObject({ code: 'RATE_LIMITED' });
    // The login throttle too.
    await failures.recordFailure('k');
    expect(await failures.retryAfterSeconds('k')).toBeGreaterThan(0);
    await expect(required.check()).rejects.toThrow(/^unreachable/);
    await expect(degradable.check()).resolves.toMatch(/^unreachable .*limits are per process/);

    proxy.restore();
    const deadline = Date.now() + 10_000;
    let back = false;
    while (!back && Date.now() < deadline) {
      back = await guard.remember(randomUUID()).catch(() => false);
      if (!back) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(back).toBe(true);
    await expect(required.check()).resolves.toMatch(/^ok/);
  });

  it('refuses nonces at once when Redis was never reachable (a wrong port)', async () => {
    const state = await replica('redis://127.0.0.1:1');
    const started = Date.now();
    expect(await refusal(state.replayGuard().remember(randomUUID()))).toBeInstanceOf(ReplayCacheUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('keeps everything in the process without a Redis URL', async () => {
    const state = await SharedState.open(undefined);
    const nonce = randomUUID();
    expect(await state.replayGuard().remember(nonce)).toBe(true);
    expect(await state.replayGuard().remember(nonce)).toBe(true); // each guard is its own process-local cache
    const guard = state.replayGuard();
    expect(await guard.remember(nonce)).toBe(true);
    expect(await guard.remember(nonce)).toBe(false);
    await expect(new SharedStateReadiness(state, { redis: undefined, required: true }).check()).resolves.toMatch(
      /^not configured/,
    );
  });
});
