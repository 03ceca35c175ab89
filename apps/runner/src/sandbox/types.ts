import type { ExecuteClaims, PrewarmSource } from '@extplat/contracts';
import type { SharedTranspiles } from './component-store.js';
import type { Logger } from 'pino';

/** The host imports a job may be granted, by capability name (the manifest's vocabulary). */
export const SandboxCapability = {
  Log: 'cap:log.emit',
  Context: 'cap:context.read',
  Secrets: 'cap:secrets.get',
  HttpFetch: 'cap:http.fetch',
} as const;

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface SandboxOptions {
  /** Worker threads in the pool. */
  workers: number;
  /**
   * Jobs of one tenant (the request context's tenantId) running at once; the others wait even when workers
   * are free, so one tenant's slow calls cannot take every worker. Default: `workers` (no cap).
   */
  tenantConcurrency?: number;
  /** Jobs of one tenant waiting at once; more are refused at once (`busy`, `queue-full`). Default 1000. */
  tenantQueueMax?: number;
  /**
   * Longest wait for a worker: a job still queued after min(this, half its deadline) is refused (`busy`,
   * `queue-timeout`) while the caller has time left to retry. Default: none (a queued job waits until its
   * deadline, then times out).
   */
  queueTimeoutMs?: number;
  /** Told of queue waits and refusals, per tenant (metrics). */
  observer?: SandboxObserver;
  /** Linear-memory cap of one instance; the core module's memory maximum is set to it before compiling. */
  memoryMaxMiB: number;
  /**
   * Transpile output cache: `<transpileDir>/<toolchain key>/<hex>/` (toolchain.ts), shared by processes and
   * kept across restarts; entries of another toolchain are removed.
   */
  transpileDir: string;
  /** Precompiled artifacts shared with other Runners; without it, only the local disk cache is used. */
  sharedTranspiles?: SharedTranspiles;
  /** Components whose compiled modules stay in memory (least recently used ones are dropped). */
  compiledModulesMax: number;
  /** Transpile outputs kept on disk; default max(16, 4 × compiledModulesMax). */
  transpiledMax?: number;
  logger: Logger;
  /** Requests one instance serves before it is recycled; 1 means a fresh instance per request. Default 1000. */
  maxRequestsPerInstance?: number;
  /** Warm instances one worker keeps, across instance keys. Default 8. */
  instancesPerWorker?: number;
  /** A warm instance whose memory grew past this is dropped after its request. Default memoryMaxMiB / 2. */
  recycleAboveMiB?: number;
  /** JS heap of a worker (the glue's objects; wasm memory is capped separately). Default 128. */
  workerHeapMiB?: number;
  /** Largest host-call reply body, e.g. a fetched response; larger fetch replies become `too-large`. Default 4 MiB. */
  hostReplyMaxBytes?: number;
  /** Largest response body a guest may return. Default 6 MiB. */
  responseBodyMaxBytes?: number;
  /** Log lines one request may emit, and characters per line. Defaults 100 and 4096. */
  logLinesMax?: number;
  logLineMaxChars?: number;
}

/** Why a job was refused before it ran. */
export type BusyReason = 'queue-full' | 'queue-timeout';

export interface SandboxObserver {
  /** A job left the queue for a worker after waiting `ms`. */
  waited(tenantId: string, ms: number): void;
  rejected(tenantId: string, reason: BusyReason): void;
}

export interface LoadResult {
  transpileMs: number;
  compileMs: number;
  /** The transpile output came from the disk cache. */
  transpileCached: boolean;
  /** The compiled modules were already in memory (nothing was read or compiled). */
  moduleCached: boolean;
  /** Where the transpile output came from (see PrewarmSource). */
  source: PrewarmSource;
}

export interface SandboxRequest {
  method: string;
  path: string;
  query: [string, string][];
  headers: [string, string][];
  body: Uint8Array;
}

export interface SandboxResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The WIT `request-context` record, as the guest sees it: the signed claims that describe the request. */
export type SandboxRequestContext = Pick<
  ExecuteClaims,
  'requestId' | 'tenantId' | 'installId' | 'extensionId' | 'version' | 'contentHash' | 'userId' | 'handler' | 'params'
>;

export interface FetchRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
}

/** The WIT `fetch-error` variant. */
export type FetchError =
  { tag: 'denied'; val: string } | { tag: 'timeout' } | { tag: 'too-large' } | { tag: 'failed'; val: string };

export type FetchResult =
  { ok: true; status: number; headers: [string, string][]; body: Uint8Array } | { ok: false; error: FetchError };

/** Host I/O for one job, run on the main thread. */
export interface SandboxHost {
  secret(name: string): Promise<string | undefined>;
  /** Egress choke point; must honour `signal`, which fires when the job's deadline expires. */
  fetch(request: FetchRequest, signal: AbortSignal): Promise<FetchResult>;
}

export interface ExecuteJob {
  contentHash: string;
  /** An instance is reused only for jobs with the same key (e.g. install + config version + content hash). */
  instanceKey: string;
  request: SandboxRequest;
  context: SandboxRequestContext;
  configJson: string;
  capabilities: ReadonlySet<string>;
  /** Wall clock from the call to execute(), covering queueing, instantiation, the call and host calls. */
  deadlineMs: number;
  host: SandboxHost;
  onLog(level: LogLevel, message: string): void;
}

export interface ExecutionTimings {
  queueMs: number;
  instantiateMs: number;
  callMs: number;
  totalMs: number;
  reused: boolean;
}

export type ExecutionOutcome =
  | { kind: 'ok'; response: SandboxResponse; timings: ExecutionTimings }
  /** Refused without running: the tenant's queue was full, or no worker came free within the queue budget. */
  | { kind: 'busy'; reason: BusyReason; retryAfterSeconds: number }
  /** The deadline passed; a running worker was terminated and replaced. */
  | { kind: 'timeout' }
  /** The instance hit its memory cap (or the worker its JS heap limit). */
  | { kind: 'out-of-memory'; message: string }
  /** The guest threw or trapped; the instance was discarded. */
  | { kind: 'trap'; message: string }
  /** The guest called an import it was not granted; the instance was discarded. */
  | { kind: 'capability-denied'; capability: string }
  /** The guest's response broke the status, header or body limits. */
  | { kind: 'invalid-response'; message: string };

export interface SandboxStats {
  workers: number;
  /** Workers running (started and not terminated). */
  alive: number;
  busy: number;
  queued: number;
  /** Waiting and running jobs of each tenant that has any. */
  tenants: Map<string, { queued: number; running: number }>;
  /** Workers replaced after a deadline or a crash, since start. */
  replaced: number;
  loadedComponents: number;
  warmInstances: number;
  /** Transpilations and compilations done by this process. */
  transpiles: number;
  compiles: number;
}
