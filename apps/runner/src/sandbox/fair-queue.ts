/**
 * The sandbox's run queue: fair across tenants, then across the installs of a tenant, with a cap on how
 * many jobs of one tenant run at once and on how many it may have waiting.
 *
 * Why not FIFO: with one queue, a tenant that sends many slow calls (a guest that burns its whole CPU
 * deadline, or waits on an upstream through egress) fills every worker and the queue in front of
 * everyone else. Here a tenant at its concurrency cap is passed over, so the remaining workers stay free
 * for other tenants, and among tenants with work waiting the one served longest ago goes next (a tenant
 * new to the queue counts as never served, so it goes ahead of a backlog). Installs of one tenant take
 * turns the same way. Selection scans the tenants that have work waiting or running: as many as there are
 * concurrent callers, which is small next to the cost of one execution.
 *
 * Pure bookkeeping: no timers, no workers. The sandbox reports when a job taken from here ends
 * ({@link FairQueue.finished}).
 */

export interface FairQueueLimits {
  /** Jobs of one tenant running at once. */
  tenantConcurrency: number;
  /** Jobs of one tenant waiting at once; {@link FairQueue.enqueue} refuses more. */
  tenantQueueMax: number;
}

interface InstallLine<T> {
  items: T[];
  /** When this install was last served (a tick of the queue); 0 for never. */
  servedAt: number;
}

interface TenantLane<T> {
  running: number;
  queued: number;
  servedAt: number;
  /** Waiting jobs by install; an install with none waiting is dropped. */
  installs: Map<string, InstallLine<T>>;
}

/** The entry served longest ago (the first one on ties, i.e. the one that arrived first). */
function leastRecentlyServed<K, V extends { servedAt: number }>(
  entries: Iterable<[K, V]>,
  eligible: (value: V) => boolean,
): [K, V] | undefined {
  let best: [K, V] | undefined;
  for (const entry of entries) {
    if (eligible(entry[1]) && (!best || entry[1].servedAt < best[1].servedAt)) best = entry;
  }
  return best;
}

export class FairQueue<T> {
  /** Tenants with jobs waiting or running. */
  private readonly tenants = new Map<string, TenantLane<T>>();
  private queuedTotal = 0;
  private tick = 0;

  constructor(private readonly limits: FairQueueLimits) {
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
    }
  }

  /** Jobs waiting, across tenants. */
  get size(): number {
    return this.queuedTotal;
  }

  /** Adds a job at the back of its install's line; false when its tenant already has tenantQueueMax waiting. */
  enqueue(tenant: string, install: string, item: T): boolean {
    let lane = this.tenants.get(tenant);
    if (lane && lane.queued >= this.limits.tenantQueueMax) return false;
    if (!lane) {
      lane = { running: 0, queued: 0, servedAt: 0, installs: new Map() };
      this.tenants.set(tenant, lane);
    }
    const line = lane.installs.get(install);
    if (line) line.items.push(item);
    else lane.installs.set(install, { items: [item], servedAt: 0 });
    lane.queued += 1;
    this.queuedTotal += 1;
    return true;
  }

  /**
   * Takes the next job to run and counts it as running for its tenant: from the tenant below its
   * concurrency cap that was served longest ago, the oldest job of its install served longest ago.
   * Undefined when nothing waits or every tenant with waiting jobs is at its cap.
   */
  take(): { tenant: string; item: T } | undefined {
    const { tenantConcurrency } = this.limits;
    const next = leastRecentlyServed(this.tenants, (lane) => lane.queued > 0 && lane.running < tenantConcurrency);
    if (!next) return undefined;
    const [tenant, lane] = next;
    const [install, line] = leastRecentlyServed(lane.installs, () => true)!;
    const item = line.items.shift() as T;
    if (line.items.length === 0) lane.installs.delete(install);
    this.tick += 1;
    lane.servedAt = this.tick;
    line.servedAt = this.tick;
    lane.queued -= 1;
    lane.running += 1;
    this.queuedTotal -= 1;
    return { tenant, item };
  }

  /** A job from {@link take} ended (answered, timed out, or its worker died). */
  finished(tenant: string): void {
    const lane = this.tenants.get(tenant);
    if (!lane || lane.running === 0) throw new Error(`no running job of tenant ${tenant} to finish`);
    lane.running -= 1;
    this.forgetIfIdle(tenant, lane);
  }

  /** Removes a job that is still waiting (its budget ran out); false when it is not waiting here. */
  remove(tenant: string, install: string, item: T): boolean {
    const lane = this.tenants.get(tenant);
    const line = lane?.installs.get(install);
    const at = line ? line.items.indexOf(item) : -1;
    if (!lane || !line || at < 0) return false;
    line.items.splice(at, 1);
    if (line.items.length === 0) lane.installs.delete(install);
    lane.queued -= 1;
    this.queuedTotal -= 1;
    this.forgetIfIdle(tenant, lane);
    return true;
  }

  /** Removes and returns every waiting job (the sandbox is closing). */
  drain(): T[] {
    const items: T[] = [];
    for (const [tenant, lane] of this.tenants) {
      for (const line of lane.installs.values()) items.push(...line.items);
      lane.installs.clear();
      this.queuedTotal -= lane.queued;
      lane.queued = 0;
      this.forgetIfIdle(tenant, lane);
    }
    return items;
  }

  /** Waiting and running jobs of each tenant that has any. */
  byTenant(): Map<string, { queued: number; running: number }> {
    return new Map([...this.tenants].map(([tenant, lane]) => [tenant, { queued: lane.queued, running: lane.running }]));
  }

  /** A tenant with nothing waiting or running leaves the rotation, so the map stays as small as the load. */
  private forgetIfIdle(tenant: string, lane: TenantLane<T>): void {
    if (lane.queued === 0 && lane.running === 0) this.tenants.delete(tenant);
  }
}
