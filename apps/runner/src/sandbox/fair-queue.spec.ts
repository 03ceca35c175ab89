import { describe, expect, it } from '@jest/globals';
import { FairQueue } from './fair-queue.js';

/** Takes jobs until the queue gives none, finishing each at once: the order a single worker would run them. */
function serveAll(queue: FairQueue<string>): string[] {
  const order: string[] = [];
  for (let next = queue.take(); next; next = queue.take()) {
    order.push(next.item);
    queue.finished(next.tenant);
  }
  return order;
}

describe('FairQueue', () => {
  it('alternates between tenants instead of serving the first one’s backlog first', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 8, tenantQueueMax: 100 });
    for (let i = 1; i <= 4; i++) queue.enqueue('A', 'a1', `A${i}`);
    queue.enqueue('B', 'b1', 'B1');
    queue.enqueue('B', 'b1', 'B2');
    queue.enqueue('C', 'c1', 'C1');
    expect(serveAll(queue)).toEqual(['A1', 'B1', 'C1', 'A2', 'B2', 'A3', 'A4']);
    expect(queue.size).toBe(0);
  });

  it('alternates between the installs of one tenant, keeping each install’s own order', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 8, tenantQueueMax: 100 });
    for (const item of ['x1', 'x2', 'x3']) queue.enqueue('A', 'x', item);
    for (const item of ['y1', 'y2']) queue.enqueue('A', 'y', item);
    expect(serveAll(queue)).toEqual(['x1', 'y1', 'x2', 'y2', 'x3']);
  });

  it('puts a tenant that arrives later ahead of one that was just served', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 8, tenantQueueMax: 100 });
    queue.enqueue('A', 'a', 'A1');
    queue.enqueue('A', 'a', 'A2');
    const first = queue.take();
    expect(first?.item).toBe('A1');
    queue.enqueue('B', 'b', 'B1');
    expect(queue.take()?.item).toBe('B1');
    expect(queue.take()?.item).toBe('A2');
  });

  it('passes over a tenant at its concurrency cap and serves it again when one of its jobs ends', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 1, tenantQueueMax: 100 });
    queue.enqueue('A', 'a', 'A1');
    queue.enqueue('A', 'a', 'A2');
    expect(queue.take()).toEqual({ tenant: 'A', item: 'A1' });
    // A is at its cap: nothing else of A runs even with workers free.
    expect(queue.take()).toBeUndefined();
    queue.enqueue('B', 'b', 'B1');
    expect(queue.take()).toEqual({ tenant: 'B', item: 'B1' });
    expect(queue.byTenant()).toEqual(
      new Map([
        ['A', { queued: 1, running: 1 }],
        ['B', { queued: 0, running: 1 }],
      ]),
    );
    queue.finished('A');
    expect(queue.take()).toEqual({ tenant: 'A', item: 'A2' });
  });

  it('refuses a job once its tenant has tenantQueueMax waiting, without limiting other tenants', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 1, tenantQueueMax: 2 });
    expect(queue.enqueue('A', 'a', 'A1')).toBe(true);
    expect(queue.enqueue('A', 'other', 'A2')).toBe(true);
    expect(queue.enqueue('A', 'a', 'A3')).toBe(false);
    expect(queue.enqueue('B', 'b', 'B1')).toBe(true);
    expect(queue.size).toBe(3);
    // Running jobs do not count against the waiting cap.
    queue.take();
    expect(queue.enqueue('A', 'a', 'A3')).toBe(true);
  });

  it('removes a waiting job and forgets tenants with nothing waiting or running', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 2, tenantQueueMax: 10 });
    queue.enqueue('A', 'a', 'A1');
    queue.enqueue('A', 'a', 'A2');
    expect(queue.remove('A', 'a', 'A1')).toBe(true);
    expect(queue.remove('A', 'a', 'A1')).toBe(false);
    expect(queue.remove('B', 'a', 'A2')).toBe(false);
    expect(queue.remove('A', 'a', 'A2')).toBe(true);
    expect(queue.byTenant().size).toBe(0);
    expect(queue.size).toBe(0);
    queue.enqueue('A', 'a', 'A3');
    const taken = queue.take();
    expect(queue.byTenant().get('A')).toEqual({ queued: 0, running: 1 });
    queue.finished(taken!.tenant);
    expect(queue.byTenant().size).toBe(0);
    expect(() => queue.finished('A')).toThrow(/no running job/);
  });

  it('drains every waiting job and keeps counting the running ones', () => {
    const queue = new FairQueue<string>({ tenantConcurrency: 1, tenantQueueMax: 10 });
    for (const item of ['A1', 'A2']) queue.enqueue('A', 'a', item);
    queue.enqueue('B', 'b', 'B1');
    queue.take();
    expect(queue.drain().sort()).toEqual(['A2', 'B1']);
    expect(queue.size).toBe(0);
    expect(queue.byTenant()).toEqual(new Map([['A', { queued: 0, running: 1 }]]));
  });

  it('rejects limits below one', () => {
    expect(() => new FairQueue({ tenantConcurrency: 0, tenantQueueMax: 1 })).toThrow(RangeError);
  });
});
