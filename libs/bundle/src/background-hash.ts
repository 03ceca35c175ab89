import { Worker } from 'node:worker_threads';

/**
 * SHA-256 computed on a worker thread while the caller goes on with the same bytes.
 *
 * Hashing is about half of the CPU time of inspecting a bundle (SHA-256 runs at ~2 GB/s here; zstd
 * decoding of a random bundle is little more than a copy), and the zstd | tar pipeline that inspect is
 * measured against uses two processes. One worker, shared by every hash in the process, takes the bytes
 * through a small ring of shared memory: copying into it costs a fraction of hashing, memory stays at the
 * ring whatever the input, and the caller waits only when the worker falls a whole ring behind.
 */

/** A slot is handed over when full (or at the end); fewer, larger slots mean fewer messages. */
const SLOT_BYTES = 256 * 1024;
const SLOTS = 8;

/**
 * Run with `eval`, so the worker needs no file of its own and works from sources and from dist alike.
 * `getBuiltinModule` serves both module systems: an eval worker is ESM when the process runs with
 * `--input-type=module`.
 */
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const { createHash } = process.getBuiltinModule('node:crypto');
const hashes = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'open') {
    hashes.set(message.id, { hash: createHash('sha256'), ring: new Uint8Array(message.ring) });
  } else if (message.type === 'data') {
    const session = hashes.get(message.id);
    if (!session) return;
    session.hash.update(session.ring.subarray(message.start, message.start + message.length));
    parentPort.postMessage({ id: message.id, slot: message.slot });
  } else if (message.type === 'digest') {
    const session = hashes.get(message.id);
    if (!session) return;
    hashes.delete(message.id);
    parentPort.postMessage({ id: message.id, hex: session.hash.digest('hex') });
  } else if (message.type === 'close') {
    hashes.delete(message.id);
  }
});
`;

/** The hashing worker failed: the process's trouble, never the bundle's, so no BundleError code fits. */
export class HashWorkerFailure extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HashWorkerFailure';
  }
}

type Reply = { id: number; slot: number } | { id: number; hex: string };

interface Listener {
  reply(reply: Reply): void;
  fail(error: HashWorkerFailure): void;
}

let worker: Worker | undefined;
let nextId = 0;
const listeners = new Map<number, Listener>();
/**
 * Rings of finished hashes, for the next ones: a ring is shared with the worker, whose isolate may keep it
 * long after the hash ends, so a fresh ring per hash would pile up memory. A dropped hash's ring is reused
 * at once: the worker may still read stale slots of it, but only into the dropped hash.
 */
const idleRings: SharedArrayBuffer[] = [];

function sharedWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_SOURCE, { eval: true, name: 'bundle-hash' });
  started.on('message', (reply: Reply) => listeners.get(reply.id)?.reply(reply));
  const lost = (error: HashWorkerFailure): void => {
    if (worker !== started) return;
    worker = undefined;
    for (const listener of listeners.values()) listener.fail(error);
  };
  started.on('error', (error) =>
    lost(new HashWorkerFailure(`the hashing worker failed: ${error.message}`, { cause: error })),
  );
  started.on('exit', (code) => lost(new HashWorkerFailure(`the hashing worker exited (code ${code})`)));
  worker = started;
  return started;
}

/** Keeps the process alive while a hash is pending, and only then (a CLI must be able to exit). */
function register(id: number, listener: Listener): Worker {
  const shared = sharedWorker();
  listeners.set(id, listener);
  if (listeners.size === 1) shared.ref();
  return shared;
}

/** False if `id` was not registered (any more). */
function unregister(id: number): boolean {
  if (!listeners.delete(id)) return false;
  if (listeners.size === 0) worker?.unref();
  return true;
}

/** SHA-256 of the bytes given to {@link update}, in order. Call {@link digest} or {@link close} once. */
export class BackgroundHash {
  private readonly id = nextId++;
  private readonly ring = idleRings.pop() ?? new SharedArrayBuffer(SLOT_BYTES * SLOTS);
  private readonly bytes = new Uint8Array(this.ring);
  private readonly worker: Worker;
  /** Slots the worker has handed back, in order; the slot being filled is not among them. */
  private readonly free: number[] = [];
  private slot = 0;
  private filled = 0;
  private failure: HashWorkerFailure | undefined;
  private waiting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private result: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;

  constructor() {
    for (let slot = 1; slot < SLOTS; slot++) this.free.push(slot);
    this.worker = register(this.id, {
      reply: (reply) => {
        if ('hex' in reply) {
          this.release();
          this.result?.resolve(reply.hex);
        } else {
          this.free.push(reply.slot);
          this.waiting?.resolve();
        }
      },
      fail: (error) => {
        this.failure = error;
        this.release();
        this.waiting?.reject(error);
        this.result?.reject(error);
      },
    });
    this.worker.postMessage({ type: 'open', id: this.id, ring: this.ring });
  }

  /** Copies `chunk` into the ring; waits only while every slot is still being hashed. */
  async update(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (this.failure) throw this.failure;
      const take = Math.min(SLOT_BYTES - this.filled, chunk.length - at);
      this.bytes.set(chunk.subarray(at, at + take), this.slot * SLOT_BYTES + this.filled);
      this.filled += take;
      at += take;
      if (this.filled === SLOT_BYTES) await this.handOver();
    }
  }

  /** The hex digest of everything updated so far; the hash is finished afterwards. */
  async digest(): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.filled > 0) this.send();
    const hex = new Promise<string>((resolve, reject) => (this.result = { resolve, reject }));
    this.worker.postMessage({ type: 'digest', id: this.id });
    return hex;
  }

  /** Drops an unfinished hash (the inspection failed); harmless after {@link digest}. */
  close(): void {
    if (!listeners.has(this.id)) return;
    this.release();
    this.worker.postMessage({ type: 'close', id: this.id });
  }

  /** Once only: a ring handed out twice would mix two hashes. */
  private release(): void {
    if (unregister(this.id)) idleRings.push(this.ring);
  }

  private send(): void {
    this.worker.postMessage({
      type: 'data',
      id: this.id,
      slot: this.slot,
      start: this.slot * SLOT_BYTES,
      length: this.filled,
    });
    this.filled = 0;
  }

  private async handOver(): Promise<void> {
    this.send();
    while (this.free.length === 0) {
      await new Promise<void>((resolve, reject) => (this.waiting = { resolve, reject }));
      this.waiting = undefined;
    }
    this.slot = this.free.shift() as number;
  }
}
