/** Messages between the Sandbox (main thread) and its workers. Shapes survive structured cloning. */
import type { ResponseLimits } from './response-limits.js';
import type { FetchError, LogLevel, SandboxRequest, SandboxRequestContext, SandboxResponse } from './types.js';
import type { WasmModule } from './wasm-api.js';

export interface WorkerInit {
  hostcallBuffer: SharedArrayBuffer;
  /** Linear-memory cap of an instance, to tell an out-of-memory trap from other traps. */
  memoryMaxBytes: number;
  recycleAboveBytes: number;
  maxRequestsPerInstance: number;
  instancesPerWorker: number;
  logLinesMax: number;
  logLineMaxChars: number;
  responseLimits: ResponseLimits;
}

/** A loaded component as a worker needs it: the transpiled glue and the compiled core modules. */
export interface ComponentCode {
  glueUrl: string;
  modules: Record<string, WasmModule>;
}

export interface ExecuteMessage {
  type: 'execute';
  jobId: number;
  contentHash: string;
  /** Sent with the first job of a component on this worker. */
  code?: ComponentCode;
  instanceKey: string;
  request: SandboxRequest;
  context: SandboxRequestContext;
  configJson: string;
  capabilities: string[];
  /** How long a host call may block before the worker gives up (the main thread kills it first). */
  hostcallTimeoutMs: number;
}

/** The component was dropped from the main thread's cache: drop its code and instances. */
export interface ForgetMessage {
  type: 'forget';
  contentHash: string;
}

export type ToWorker = ExecuteMessage | ForgetMessage;

export type HostcallRequest =
  { op: 'secret'; name: string } | { op: 'fetch'; method: string; url: string; headers: [string, string][] };

/** Header of a host-call reply (the body travels next to it, see hostcall.ts). */
export type HostcallReplyHeader =
  | { op: 'secret'; value: string | null }
  | { op: 'fetch'; ok: true; status: number; headers: [string, string][] }
  | { op: 'fetch'; ok: false; error: FetchError }
  | { op: 'error'; message: string };

export type WorkerOutcome =
  | { kind: 'ok'; response: SandboxResponse }
  | { kind: 'out-of-memory' | 'trap' | 'invalid-response'; message: string }
  | { kind: 'capability-denied'; capability: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'log'; jobId: number; level: LogLevel; message: string }
  | { type: 'hostcall'; jobId: number; sequence: number; call: HostcallRequest; body: Uint8Array }
  | {
      type: 'done';
      jobId: number;
      outcome: WorkerOutcome;
      instantiateMs: number;
      callMs: number;
      reused: boolean;
      /** Keys of the worker's warm instances after this job. */
      warm: string[];
    };

/** Key of a warm instance: the content hash is part of it even if the caller's key omits it. */
export function warmKey(contentHash: string, instanceKey: string): string {
  return `${contentHash} ${instanceKey}`;
}

/** Name of the transpiled glue in a cache directory (`.mjs`: the directory has no package.json). */
export const GLUE_FILE = 'component.mjs';

export interface TranspileJob {
  componentPath: string;
  outDir: string;
}

/** A failed transpile carries the errno code of a file-system failure (e.g. ENOSPC), so a full disk is told apart. */
export type TranspileReply =
  { ok: true; imports: string[]; modules: string[] } | { ok: false; message: string; code?: string };
