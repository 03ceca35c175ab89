/**
 * Sandbox worker: instantiates components from the compiled modules the main thread posts (shared, not
 * recompiled) and runs one request at a time. Host imports check the job's capabilities here; their I/O
 * runs on the main thread through synchronous host calls (hostcall.ts). The main thread enforces the
 * deadline by terminating this worker, so nothing here needs to watch the clock.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { waitForHostcallReply } from './hostcall.js';
import {
  warmKey,
  type ComponentCode,
  type ExecuteMessage,
  type FromWorker,
  type HostcallReplyHeader,
  type HostcallRequest,
  type ToWorker,
  type WorkerInit,
  type WorkerOutcome,
} from './protocol.js';
import { checkResponse } from './response-limits.js';
import {
  SandboxCapability,
  type FetchError,
  type FetchRequest,
  type LogLevel,
  type SandboxRequest,
  type SandboxResponse,
} from './types.js';
import { createWasiImports } from './wasi.js';
import { wasm, type WasmInstance, type WasmMemory, type WasmModule } from './wasm-api.js';

interface GuestExports {
  handle(request: SandboxRequest): SandboxResponse;
}

interface Glue {
  instantiate(
    getCoreModule: (name: string) => WasmModule,
    imports: Record<string, unknown>,
    instantiateCore: (module: WasmModule, imports?: Record<string, unknown>) => Promise<WasmInstance>,
  ): Promise<GuestExports>;
}

interface LiveInstance {
  exports: GuestExports;
  memories: WasmMemory[];
  uses: number;
}

/** State of the request being served, read by the host imports. */
interface CurrentJob {
  jobId: number;
  message: ExecuteMessage;
  capabilities: ReadonlySet<string>;
  /** The first capability the guest used without a grant. */
  denied?: string;
  logLines: number;
  stderr: string[];
}

/** Thrown from an import that was not granted: an Error without `payload`, so the glue lets it trap. */
class CapabilityDenied extends Error {
  override readonly name = 'CapabilityDenied';
}

/** Thrown from http.fetch for an error result: the glue turns an own `payload` into err(payload). */
class FetchFailure extends Error {
  override readonly name = 'FetchFailure';

  constructor(readonly payload: FetchError) {
    super(payload.tag);
  }
}

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['trace', 'debug', 'info', 'warn', 'error']);
const STDERR_LINES_KEPT = 20;
const FAILURE_MESSAGE_MAX_CHARS = 2000;

const port = parentPort;
if (!port) throw new Error('the sandbox worker must run in a worker thread');
const init = workerData as WorkerInit;

const components = new Map<string, ComponentCode>();
/** Warm instances by warmKey(), least recently used first. */
const warm = new Map<string, LiveInstance>();
let current: CurrentJob | undefined;
let hostcallSequence = 0;

const post = (message: FromWorker): void => port.postMessage(message);

function grantedJob(capability: string): CurrentJob {
  const job = current;
  if (!job) throw new CapabilityDenied(`${capability} used outside a request`);
  if (!job.capabilities.has(capability)) {
    job.denied ??= capability;
    throw new CapabilityDenied(`${capability} is not granted`);
  }
  return job;
}

function hostcall(job: CurrentJob, call: HostcallRequest, body: Uint8Array = new Uint8Array(0)) {
  const sequence = ++hostcallSequence;
  post({ type: 'hostcall', jobId: job.jobId, sequence, call, body });
  const reply = waitForHostcallReply(init.hostcallBuffer, sequence, job.message.hostcallTimeoutMs);
  if (!reply) throw new Error(`host call ${call.op} got no reply in time`);
  const header = reply.header as HostcallReplyHeader;
  if (header.op === 'error') throw new Error(`host call ${call.op} failed: ${header.message}`);
  return { header, body: reply.body };
}

const extplatImports = {
  'extplat:extension/log': {
    log(level: string, message: string): void {
      const job = grantedJob(SandboxCapability.Log);
      // Over the cap, lines are dropped rather than failing the request.
      if (job.logLines >= init.logLinesMax) return;
      job.logLines += 1;
      post({
        type: 'log',
        jobId: job.jobId,
        level: LOG_LEVELS.has(level) ? (level as LogLevel) : 'info',
        message: String(message).slice(0, init.logLineMaxChars),
      });
    },
  },
  'extplat:extension/context': {
    getContext() {
      const { context } = grantedJob(SandboxCapability.Context).message;
      return { ...context, userId: context.userId ?? undefined };
    },
    getConfig(): string {
      return grantedJob(SandboxCapability.Context).message.configJson;
    },
  },
  'extplat:extension/secrets': {
    get(name: string): string | undefined {
      const job = grantedJob(SandboxCapability.Secrets);
      const { header } = hostcall(job, { op: 'secret', name: String(name) });
      if (header.op !== 'secret') throw new Error('host call secrets.get got a mismatched reply');
      return header.value ?? undefined;
    },
  },
  'extplat:extension/http': {
    // Not granted → the request traps (capability-denied), as the WIT promises, rather than err(denied):
    // `denied` is for an origin outside the install's egress grant, a decision of the choke point.
    fetch(request: FetchRequest) {
      const job = grantedJob(SandboxCapability.HttpFetch);
      const { header, body } = hostcall(
        job,
        { op: 'fetch', method: request.method, url: request.url, headers: request.headers },
        request.body,
      );
      if (header.op !== 'fetch') throw new Error('host call http.fetch got a mismatched reply');
      if (!header.ok) throw new FetchFailure(header.error);
      return { status: header.status, headers: header.headers, body };
    },
  },
};

const imports: Record<string, unknown> = {
  ...createWasiImports((line) => {
    const stderr = current?.stderr;
    if (!stderr) return;
    stderr.push(line.slice(0, 512));
    if (stderr.length > STDERR_LINES_KEPT) stderr.shift();
  }),
  ...extplatImports,
};

async function instantiate(contentHash: string): Promise<LiveInstance> {
  const code = components.get(contentHash);
  if (!code) throw new Error(`component ${contentHash} is not loaded in this worker`);
  const glue = (await import(code.glueUrl)) as Glue;
  const memories: WasmMemory[] = [];
  const exports = await glue.instantiate(
    (name) => {
      const module = code.modules[name];
      if (!module) throw new Error(`component has no core module ${name}`);
      return module;
    },
    imports,
    async (module, moduleImports) => {
      const instance = await wasm.instantiate(module, moduleImports);
      for (const value of Object.values(instance.exports)) {
        if (value instanceof wasm.Memory) memories.push(value);
      }
      return instance;
    },
  );
  return { exports, memories, uses: 0 };
}

function largestMemoryBytes(instance: LiveInstance | undefined): number {
  return Math.max(0, ...(instance?.memories.map((memory) => memory.buffer.byteLength) ?? []));
}

/**
 * SpiderMonkey aborts (an `unreachable` trap) when memory.grow fails, which looks like any other trap;
 * a memory close to the cap tells them apart. "Close" leaves room for the failed allocation itself.
 */
function isOutOfMemory(instance: LiveInstance | undefined): boolean {
  const slack = Math.max(32 * 1024 * 1024, init.memoryMaxBytes / 8);
  return largestMemoryBytes(instance) >= init.memoryMaxBytes - slack;
}

function describe(error: unknown, job: CurrentJob): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const stderr = job.stderr.length > 0 ? `\n${job.stderr.join('\n')}` : '';
  return `${text}${stderr}`.slice(0, FAILURE_MESSAGE_MAX_CHARS);
}

function copyResponse(response: SandboxResponse): SandboxResponse {
  return {
    status: response.status,
    headers: response.headers.map(([name, value]) => [String(name), String(value)]),
    body: response.body,
  };
}

async function execute(message: ExecuteMessage): Promise<void> {
  if (message.code) components.set(message.contentHash, message.code);
  const job: CurrentJob = {
    jobId: message.jobId,
    message,
    capabilities: new Set(message.capabilities),
    logLines: 0,
    stderr: [],
  };
  current = job;
  const key = warmKey(message.contentHash, message.instanceKey);
  let instance = warm.get(key);
  const reused = instance !== undefined;
  warm.delete(key);
  let instantiateMs = 0;
  let callMs = 0;
  let outcome: WorkerOutcome;
  try {
    const started = performance.now();
    instance ??= await instantiate(message.contentHash);
    const called = performance.now();
    instantiateMs = called - started;
    instance.uses += 1;
    const response = copyResponse(instance.exports.handle(message.request));
    callMs = performance.now() - called;
    const invalid = checkResponse(response, init.responseLimits);
    outcome = invalid ? { kind: 'invalid-response', message: invalid } : { kind: 'ok', response };
  } catch (error) {
    outcome = isOutOfMemory(instance)
      ? { kind: 'out-of-memory', message: describe(error, job) }
      : { kind: 'trap', message: describe(error, job) };
  } finally {
    current = undefined;
  }
  // A capability the guest used without a grant ends the request, even if the guest caught the trap.
  if (job.denied) outcome = { kind: 'capability-denied', capability: job.denied };
  const keep =
    instance !== undefined &&
    outcome.kind === 'ok' &&
    instance.uses < init.maxRequestsPerInstance &&
    largestMemoryBytes(instance) <= init.recycleAboveBytes;
  if (keep && instance) {
    warm.set(key, instance);
    for (const oldest of warm.keys()) {
      if (warm.size <= init.instancesPerWorker) break;
      warm.delete(oldest);
    }
  }
  post({ type: 'done', jobId: message.jobId, outcome, instantiateMs, callMs, reused, warm: [...warm.keys()] });
}

function forget(contentHash: string): void {
  components.delete(contentHash);
  for (const key of [...warm.keys()]) {
    if (key.startsWith(`${contentHash} `)) warm.delete(key);
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'forget') {
    forget(message.contentHash);
    return;
  }
  execute(message).catch((error: unknown) => {
    current = undefined;
    post({
      type: 'done',
      jobId: message.jobId,
      outcome: { kind: 'trap', message: `sandbox worker failed: ${String(error)}`.slice(0, FAILURE_MESSAGE_MAX_CHARS) },
      instantiateMs: 0,
      callMs: 0,
      reused: false,
      warm: [...warm.keys()],
    });
  });
});
post({ type: 'ready' });
