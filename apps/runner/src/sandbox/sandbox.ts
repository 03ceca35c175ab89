/**
 * The Runner's sandbox engine: runs extension components (WebAssembly, built with componentize-js,
 * transpiled by the platform with jco) in a pool of worker threads.
 *
 * Measured with bench/runner/sandbox.mjs (probe guest, `/ping`, Node 20, 2 vCPU shared with other work; two runs,
 * load average 2.5 and 4.3):
 * - load: transpile 0.9-1.5 s on a miss (in a worker thread, loading jco-transpile included), 1-10 ms to
 *   read the disk cache on a hit; compile 44-109 ms per process.
 * - fresh instance per request: round trip p50 7.3-9.6 ms, p99 21-51 ms (instantiate p50 4.9-6.0 ms);
 *   109-142 req/s with all requests queued.
 * - warm instance reused: round trip p50 0.10 ms, p99 3.4-4.1 ms; 4,400-6,800 req/s (on two cores the
 *   main thread, not the workers, is then the bottleneck).
 * - so reuse is 70-90x faster at p50 and ≈ 40x the throughput.
 *
 * Policy chosen from that: a bounded warm pool. An instance is reused only for jobs with the same
 * instanceKey (the caller's install + config version + content hash), because module state survives
 * between requests: what one request leaves in globals the next one of that key can read. An instance
 * is dropped after any trap, capability denial or invalid response, after `maxRequestsPerInstance`
 * requests (default 1000), when its memory grew past `recycleAboveMiB`, and when the worker holds more
 * than `instancesPerWorker` (default 8; least recently used first). A job goes preferably to an idle worker
 * that holds a warm instance for its key. Where end users of one install must not share state, pass
 * `maxRequestsPerInstance: 1` (fresh per request, +≈ 5-7 ms).
 *
 * Scheduling: jobs wait in a FairQueue, round-robin across tenants and then across a tenant's installs,
 * with at most `tenantConcurrency` jobs of one tenant running; so a tenant whose calls burn their CPU
 * deadline or block in host calls holds only its share of the workers. A job that finds no worker within
 * `queueTimeoutMs` (or its tenant's queue full) is refused as `busy`, not left to eat its deadline.
 *
 * Isolation: workers get an empty environment and captured stdio, a JS heap limit, and only the allowed
 * WASI interfaces from preview2-shim's browser build (no filesystem, environment, sockets or wasi:http).
 * Linear memory is capped by patching the core module's memory maximum before compiling. Every job has a
 * wall-clock deadline from the call to execute(): a worker still running at the deadline (in guest code
 * or blocked in a host call) is terminated and replaced at once, and the job's host I/O is aborted.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { ComponentStore } from './component-store.js';
import { SandboxError } from './errors.js';
import { FairQueue } from './fair-queue.js';
import { createHostcallBuffer, writeHostcallReply } from './hostcall.js';
import {
  warmKey,
  type ComponentCode,
  type ExecuteMessage,
  type FromWorker,
  type HostcallReplyHeader,
  type HostcallRequest,
  type WorkerInit,
} from './protocol.js';
import { sandboxScriptUrl } from './script-url.js';
import {
  SandboxCapability,
  type BusyReason,
  type ExecuteJob,
  type ExecutionOutcome,
  type LoadResult,
  type SandboxOptions,
  type SandboxStats,
} from './types.js';
import { WASM_PAGE_BYTES } from './wasm-memory.js';

const MiB = 1024 * 1024;
/** Extra time a worker waits for a host-call reply beyond the deadline; the main thread kills it first. */
const HOSTCALL_GRACE_MS = 1000;
/** Consecutive worker start failures after which respawning backs off (e.g. a missing build). */
const STARTUP_FAILURES_BEFORE_BACKOFF = 3;
const RESPAWN_BACKOFF_MAX_MS = 5000;

type Settings = Required<Omit<SandboxOptions, 'queueTimeoutMs' | 'observer' | 'sharedTranspiles'>> &
  Pick<SandboxOptions, 'queueTimeoutMs' | 'observer' | 'sharedTranspiles'>;

interface Slot {
  index: number;
  worker: Worker;
  hostcallBuffer: SharedArrayBuffer;
  /** The worker has started and said so. */
  ready: boolean;
  /** Terminated or failed; a replacement takes (or will take) its index. */
  dead: boolean;
  job?: PendingJob;
  /** Components whose code this worker holds. */
  components: Set<string>;
  /** warmKey()s of the worker's warm instances, as it last reported. */
  warm: Set<string>;
  /** The worker's latest host call; replies to anything else are dropped. */
  hostcallSequence: number;
}

interface PendingJob {
  id: number;
  job: ExecuteJob;
  code: ComponentCode;
  enqueuedAt: number;
  dispatchedAt?: number;
  /** Counted as running for its tenant in the queue until it settles. */
  running: boolean;
  slot?: Slot;
  /** Aborts the job's in-flight host I/O when the deadline expires or its worker dies. */
  abort: AbortController;
  timer?: NodeJS.Timeout;
  /** Ends the wait for a worker (the queue budget), cleared once the job runs. */
  queueTimer?: NodeJS.Timeout;
  settled: boolean;
  resolve(outcome: ExecutionOutcome): void;
  reject(error: Error): void;
}

type HostcallAnswer = [header: HostcallReplyHeader, body?: Uint8Array];

function resolveSettings(options: SandboxOptions): Settings {
  const positiveInteger = (name: string, value: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(value) || value < 1 || value > max) {
      throw new RangeError(`sandbox option ${name} must be an integer in 1..${max}, got ${value}`);
    }
    return value;
  };
  const memoryMaxMiB = positiveInteger('memoryMaxMiB', options.memoryMaxMiB, 4096);
  const workers = positiveInteger('workers', options.workers, 256);
  return {
    ...options,
    workers,
    tenantConcurrency: positiveInteger('tenantConcurrency', options.tenantConcurrency ?? workers, 256),
    tenantQueueMax: positiveInteger('tenantQueueMax', options.tenantQueueMax ?? 1000),
    queueTimeoutMs:
      options.queueTimeoutMs === undefined ? undefined : positiveInteger('queueTimeoutMs', options.queueTimeoutMs),
    memoryMaxMiB,
    compiledModulesMax: positiveInteger('compiledModulesMax', options.compiledModulesMax),
    transpiledMax: positiveInteger(
      'transpiledMax',
      options.transpiledMax ?? Math.max(16, options.compiledModulesMax * 4),
    ),
    maxRequestsPerInstance: positiveInteger('maxRequestsPerInstance', options.maxRequestsPerInstance ?? 1000),
    instancesPerWorker: positiveInteger('instancesPerWorker', options.instancesPerWorker ?? 8),
    recycleAboveMiB: positiveInteger('recycleAboveMiB', options.recycleAboveMiB ?? Math.ceil(memoryMaxMiB / 2)),
    workerHeapMiB: positiveInteger('workerHeapMiB', options.workerHeapMiB ?? 128),
    hostReplyMaxBytes: positiveInteger('hostReplyMaxBytes', options.hostReplyMaxBytes ?? 4 * MiB),
    responseBodyMaxBytes: positiveInteger('responseBodyMaxBytes', options.responseBodyMaxBytes ?? 6 * MiB),
    logLinesMax: positiveInteger('logLinesMax', options.logLinesMax ?? 100),
    logLineMaxChars: positiveInteger('logLineMaxChars', options.logLineMaxChars ?? 4096),
  };
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class Sandbox {
  private readonly settings: Settings;
  private readonly logger: Logger;
  private readonly store: ComponentStore;
  private readonly workerUrl = sandboxScriptUrl('worker');
  private readonly slots: Slot[] = [];
  private readonly queue: FairQueue<PendingJob>;
  private nextJobId = 0;
  private replacedCount = 0;
  private startupFailures = 0;
  private closed = false;

  static create(options: SandboxOptions): Sandbox {
    return new Sandbox(resolveSettings(options));
  }

  private constructor(settings: Settings) {
    this.settings = settings;
    this.logger = settings.logger.child({ component: 'sandbox' });
    this.queue = new FairQueue({
      tenantConcurrency: settings.tenantConcurrency,
      tenantQueueMax: settings.tenantQueueMax,
    });
    this.store = new ComponentStore({
      transpileDir: settings.transpileDir,
      compiledModulesMax: settings.compiledModulesMax,
      transpiledMax: settings.transpiledMax,
      memoryMaxPages: (settings.memoryMaxMiB * MiB) / WASM_PAGE_BYTES,
      logger: this.logger,
      onEvict: (contentHash) => this.forget(contentHash),
      shared: settings.sharedTranspiles,
    });
    for (let index = 0; index < settings.workers; index++) this.slots.push(this.spawn(index));
  }

  /**
   * Makes a component runnable: transpiled once per content hash (disk cache), compiled once per process
   * (LRU), its imports checked against the allowed set (SandboxError COMPONENT_IMPORTS_NOT_ALLOWED).
   * Concurrent loads of one hash share one flight; a failed load rejects only that load.
   */
  load(contentHash: string, componentPath: string): Promise<LoadResult> {
    if (this.closed) return Promise.reject(new SandboxError('SANDBOX_CLOSED', 'the sandbox is closed'));
    return this.store.load(contentHash, componentPath);
  }

  /** Resolves when this process has finished sharing the precompiled artifact of `contentHash` (if it is). */
  sharing(contentHash: string): Promise<void> {
    return this.store.sharing(contentHash);
  }

  /**
   * Runs one request, queued fairly by tenant and install (see FairQueue). Guest failures and refusals
   * (`busy`) resolve as outcomes; the promise rejects only when the component is not loaded (load it and
   * retry) or the sandbox is closed.
   */
  execute(job: ExecuteJob): Promise<ExecutionOutcome> {
    if (this.closed) return Promise.reject(new SandboxError('SANDBOX_CLOSED', 'the sandbox is closed'));
    const code = this.store.get(job.contentHash);
    if (!code) {
      return Promise.reject(
        new SandboxError('COMPONENT_NOT_LOADED', `component ${job.contentHash} is not loaded`, {
          contentHash: job.contentHash,
        }),
      );
    }
    return new Promise<ExecutionOutcome>((resolve, reject) => {
      const pending: PendingJob = {
        id: ++this.nextJobId,
        job,
        code,
        enqueuedAt: performance.now(),
        running: false,
        abort: new AbortController(),
        settled: false,
        resolve,
        reject,
      };
      const { tenantId, installId } = job.context;
      if (!this.queue.enqueue(tenantId, installId, pending)) {
        this.refuse(pending, 'queue-full');
        return;
      }
      pending.timer = setTimeout(() => this.expire(pending), Math.max(0, job.deadlineMs));
      const { queueTimeoutMs } = this.settings;
      if (queueTimeoutMs !== undefined) {
        // At least half the deadline is left to run the job when it leaves the queue.
        const budget = Math.min(queueTimeoutMs, Math.floor(job.deadlineMs / 2));
        pending.queueTimer = setTimeout(() => this.queueExpired(pending), budget);
      }
      this.pump();
    });
  }

  stats(): SandboxStats {
    const live = this.slots.filter((slot) => !slot.dead);
    return {
      workers: this.settings.workers,
      alive: live.filter((slot) => slot.ready).length,
      busy: live.filter((slot) => slot.job).length,
      queued: this.queue.size,
      tenants: this.queue.byTenant(),
      replaced: this.replacedCount,
      loadedComponents: this.store.size,
      warmInstances: live.reduce((sum, slot) => sum + slot.warm.size, 0),
      transpiles: this.store.transpiles,
      compiles: this.store.compiles,
    };
  }

  /** Terminates the workers; queued and running jobs reject with SANDBOX_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closedError = () => new SandboxError('SANDBOX_CLOSED', 'the sandbox was closed');
    for (const pending of this.queue.drain()) this.fail(pending, closedError());
    const terminations = this.slots.map((slot) => {
      if (slot.job) this.fail(slot.job, closedError());
      slot.job = undefined;
      slot.dead = true;
      return slot.worker.terminate().catch(() => undefined);
    });
    await Promise.all(terminations);
    await this.store.drain();
  }

  private spawn(index: number): Slot {
    const { settings } = this;
    const hostcallBuffer = createHostcallBuffer(settings.hostReplyMaxBytes);
    const init: WorkerInit = {
      hostcallBuffer,
      memoryMaxBytes: settings.memoryMaxMiB * MiB,
      recycleAboveBytes: settings.recycleAboveMiB * MiB,
      maxRequestsPerInstance: settings.maxRequestsPerInstance,
      instancesPerWorker: settings.instancesPerWorker,
      logLinesMax: settings.logLinesMax,
      logLineMaxChars: settings.logLineMaxChars,
      responseLimits: { bodyMaxBytes: settings.responseBodyMaxBytes, headersMax: 100, headerMaxBytes: 8192 },
    };
    const worker = new Worker(this.workerUrl, {
      workerData: init,
      // No environment; the guest's stdout/stderr never reach the Runner's.
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: settings.workerHeapMiB },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = {
      index,
      worker,
      hostcallBuffer,
      ready: false,
      dead: false,
      components: new Set(),
      warm: new Set(),
      hostcallSequence: 0,
    };
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => this.onWorkerFailure(slot, error));
    worker.on('exit', (code) => this.onWorkerFailure(slot, new Error(`worker exited with code ${code}`)));
    return slot;
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    const pending = slot.job;
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        this.startupFailures = 0;
        return;
      case 'log':
        if (pending?.id !== message.jobId || pending.settled) return;
        try {
          pending.job.onLog(message.level, message.message);
        } catch (error) {
          this.logger.warn({ err: error }, 'onLog callback threw');
        }
        return;
      case 'hostcall':
        if (pending?.id !== message.jobId) return;
        slot.hostcallSequence = message.sequence;
        this.answerHostcall(slot, pending, message.sequence, message.call, message.body).catch((error: unknown) =>
          this.logger.error({ err: error }, 'answering a host call failed'),
        );
        return;
      case 'done': {
        if (pending?.id !== message.jobId) return;
        slot.job = undefined;
        slot.warm = new Set(message.warm);
        const { outcome } = message;
        if (outcome.kind === 'ok') {
          const { response } = outcome;
          const now = performance.now();
          this.settle(pending, {
            kind: 'ok',
            // Copied so callers get plain arrays and bytes of their own realm.
            response: {
              status: response.status,
              headers: response.headers.map(([name, value]) => [name, value]),
              body: new Uint8Array(response.body),
            },
            timings: {
              queueMs: (pending.dispatchedAt ?? now) - pending.enqueuedAt,
              instantiateMs: message.instantiateMs,
              callMs: message.callMs,
              totalMs: now - pending.enqueuedAt,
              reused: message.reused,
            },
          });
        } else {
          this.settle(pending, { ...outcome });
        }
        this.pump();
        return;
      }
    }
  }

  private async answerHostcall(
    slot: Slot,
    pending: PendingJob,
    sequence: number,
    call: HostcallRequest,
    body: Uint8Array,
  ): Promise<void> {
    const [header, replyBody] = await this.runHostcall(pending, call, body);
    // The worker may have been killed, or moved on, while the host I/O ran.
    if (slot.dead || slot.job !== pending || slot.hostcallSequence !== sequence) return;
    if (!writeHostcallReply(slot.hostcallBuffer, sequence, header, replyBody)) {
      const tooLarge: HostcallReplyHeader =
        call.op === 'fetch'
          ? { op: 'fetch', ok: false, error: { tag: 'too-large' } }
          : { op: 'error', message: 'the reply is over the host-call size cap' };
      writeHostcallReply(slot.hostcallBuffer, sequence, tooLarge);
    }
  }

  /** The host side of a guest import. Capabilities are checked again here: the worker is not trusted alone. */
  private async runHostcall(pending: PendingJob, call: HostcallRequest, body: Uint8Array): Promise<HostcallAnswer> {
    const { job } = pending;
    try {
      switch (call.op) {
        case 'secret': {
          if (!job.capabilities.has(SandboxCapability.Secrets)) return [{ op: 'error', message: 'not granted' }];
          const value = await job.host.secret(call.name);
          return [{ op: 'secret', value: value ?? null }];
        }
        case 'fetch': {
          if (!job.capabilities.has(SandboxCapability.HttpFetch)) return [{ op: 'error', message: 'not granted' }];
          const result = await job.host.fetch(
            { method: call.method, url: call.url, headers: call.headers, body: new Uint8Array(body) },
            pending.abort.signal,
          );
          if (!result.ok) return [{ op: 'fetch', ok: false, error: result.error }];
          if (result.body.length > this.settings.hostReplyMaxBytes) {
            return [{ op: 'fetch', ok: false, error: { tag: 'too-large' } }];
          }
          return [{ op: 'fetch', ok: true, status: result.status, headers: result.headers }, result.body];
        }
      }
    } catch (error) {
      if (!pending.abort.signal.aborted) {
        this.logger.warn({ err: error, op: call.op, requestId: job.context.requestId }, 'host call failed');
      }
      return call.op === 'fetch'
        ? [{ op: 'fetch', ok: false, error: { tag: 'failed', val: 'the platform could not perform the request' } }]
        : [{ op: 'error', message: describeError(error) }];
    }
  }

  /** Starts queued jobs on idle workers, preferring one with a warm instance for the job's key. */
  private pump(): void {
    while (this.queue.size > 0) {
      const idle = this.slots.filter((slot) => !slot.dead && !slot.job);
      if (idle.length === 0) return;
      const next = this.queue.take();
      if (!next) return;
      const pending = next.item;
      pending.running = true;
      const key = warmKey(pending.job.contentHash, pending.job.instanceKey);
      const score = (slot: Slot) => [
        slot.warm.has(key) ? 0 : 1,
        slot.ready ? 0 : 1,
        slot.components.has(pending.job.contentHash) ? 0 : 1,
        slot.warm.size,
      ];
      const best = idle.reduce((a, b) => {
        const [sa, sb] = [score(a), score(b)];
        const differ = sa.findIndex((value, i) => value !== sb[i]);
        return differ >= 0 && sb[differ]! < sa[differ]! ? b : a;
      });
      this.dispatch(best, pending);
    }
  }

  private dispatch(slot: Slot, pending: PendingJob): void {
    const { job } = pending;
    slot.job = pending;
    pending.slot = slot;
    pending.dispatchedAt = performance.now();
    clearTimeout(pending.queueTimer);
    this.settings.observer?.waited(job.context.tenantId, pending.dispatchedAt - pending.enqueuedAt);
    const first = !slot.components.has(job.contentHash);
    const remainingMs = job.deadlineMs - (pending.dispatchedAt - pending.enqueuedAt);
    const message: ExecuteMessage = {
      type: 'execute',
      jobId: pending.id,
      contentHash: job.contentHash,
      ...(first ? { code: pending.code } : {}),
      instanceKey: job.instanceKey,
      // An exact copy: a Buffer may be a slice of a shared pool, and cloning a view clones its whole buffer.
      request: { ...job.request, body: new Uint8Array(job.request.body) },
      context: job.context,
      configJson: job.configJson,
      capabilities: [...job.capabilities],
      hostcallTimeoutMs: Math.max(0, remainingMs) + HOSTCALL_GRACE_MS,
    };
    try {
      slot.worker.postMessage(message);
      slot.components.add(job.contentHash);
    } catch (error) {
      slot.job = undefined;
      this.settle(pending, { kind: 'trap', message: `the job could not be sent to a worker: ${describeError(error)}` });
    }
  }

  /** Deadline: a queued job just times out; a running one takes its worker down with it. */
  private expire(pending: PendingJob): void {
    if (pending.settled) return;
    const slot = pending.slot;
    if (slot?.job === pending) {
      const started = performance.now();
      slot.dead = true;
      slot.job = undefined;
      pending.abort.abort();
      slot.worker.terminate().then(
        () => this.logger.debug({ worker: slot.index, ms: performance.now() - started }, 'sandbox worker terminated'),
        () => undefined,
      );
      this.logger.warn(
        { requestId: pending.job.context.requestId, deadlineMs: pending.job.deadlineMs },
        'execution deadline passed; worker terminated',
      );
      this.replace(slot, false);
    } else {
      this.queue.remove(pending.job.context.tenantId, pending.job.context.installId, pending);
    }
    this.settle(pending, { kind: 'timeout' });
    this.pump();
  }

  /** The queue budget ran out before a worker came free: refuse now, while the caller can still retry. */
  private queueExpired(pending: PendingJob): void {
    if (pending.settled || pending.running) return;
    this.queue.remove(pending.job.context.tenantId, pending.job.context.installId, pending);
    this.refuse(pending, 'queue-timeout');
  }

  private refuse(pending: PendingJob, reason: BusyReason): void {
    const retryAfterSeconds = Math.max(1, Math.ceil((this.settings.queueTimeoutMs ?? 1000) / 1000));
    this.settings.observer?.rejected(pending.job.context.tenantId, reason);
    // debug only: the request log has the 503 and the metrics count refusals by tenant and reason.
    this.logger.debug(
      { requestId: pending.job.context.requestId, tenantId: pending.job.context.tenantId, reason },
      'execution refused: the sandbox is busy',
    );
    this.settle(pending, { kind: 'busy', reason, retryAfterSeconds });
  }

  private onWorkerFailure(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    const pending = slot.job;
    slot.job = undefined;
    this.logger.error({ err: error, worker: slot.index }, 'sandbox worker failed; replacing it');
    if (pending) {
      pending.abort.abort();
      const heapExhausted = (error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.settle(
        pending,
        heapExhausted
          ? { kind: 'out-of-memory', message: `worker JS heap exhausted: ${error.message}` }
          : { kind: 'trap', message: `sandbox worker failed: ${error.message}` },
      );
    }
    slot.worker.terminate().catch(() => undefined);
    this.replace(slot, !slot.ready);
    this.pump();
  }

  private replace(slot: Slot, failedToStart: boolean): void {
    if (this.closed) return;
    this.replacedCount += 1;
    this.startupFailures = failedToStart ? this.startupFailures + 1 : 0;
    const respawn = () => {
      if (this.closed || this.slots[slot.index] !== slot) return;
      this.slots[slot.index] = this.spawn(slot.index);
      this.pump();
    };
    if (this.startupFailures < STARTUP_FAILURES_BEFORE_BACKOFF) {
      respawn();
      return;
    }
    const delay = Math.min(RESPAWN_BACKOFF_MAX_MS, 100 * 2 ** this.startupFailures);
    this.logger.error({ failures: this.startupFailures, delayMs: delay }, 'sandbox workers keep failing to start');
    setTimeout(respawn, delay).unref();
  }

  /** A component left the compiled-module cache: workers drop its code and warm instances. */
  private forget(contentHash: string): void {
    for (const slot of this.slots) {
      if (slot.dead || !slot.components.delete(contentHash)) continue;
      slot.warm = new Set([...slot.warm].filter((key) => !key.startsWith(`${contentHash} `)));
      slot.worker.postMessage({ type: 'forget', contentHash });
    }
  }

  private settle(pending: PendingJob, outcome: ExecutionOutcome): void {
    if (pending.settled) return;
    this.release(pending);
    pending.resolve(outcome);
  }

  private fail(pending: PendingJob, error: Error): void {
    if (pending.settled) return;
    this.release(pending);
    pending.abort.abort();
    pending.reject(error);
  }

  private release(pending: PendingJob): void {
    pending.settled = true;
    clearTimeout(pending.timer);
    clearTimeout(pending.queueTimer);
    if (pending.running) this.queue.finished(pending.job.context.tenantId);
  }
}
