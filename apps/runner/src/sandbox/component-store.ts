import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { disallowedImports } from './allowed-imports.js';
import { SandboxError } from './errors.js';
import { GLUE_FILE, type ComponentCode, type TranspileJob, type TranspileReply } from './protocol.js';
import { sandboxScriptUrl } from './script-url.js';
import type { LoadResult } from './types.js';
import { wasm, type WasmModule } from './wasm-api.js';
import { capMemory, readMemoryLimits } from './wasm-memory.js';

/** Written last into a transpile directory; its presence marks a complete entry. */
const META_FILE = 'meta.json';
const TRANSPILE_TIMEOUT_MS = 120_000;
const CONTENT_HASH = /^sha256:([0-9a-f]{64})$/;
const HEX_NAME = /^[0-9a-f]{64}$/;

interface CacheMeta {
  imports: string[];
  modules: string[];
}

export interface ComponentStoreOptions {
  transpileDir: string;
  compiledModulesMax: number;
  /** Transpile outputs kept on disk (~12 MB each); the least recently used go first. */
  transpiledMax?: number;
  memoryMaxPages: number;
  logger: Logger;
  /** Called when a component's modules leave the in-memory cache. */
  onEvict(contentHash: string): void;
}

function isCacheMeta(value: unknown): value is CacheMeta {
  const names = (list: unknown) =>
    Array.isArray(list) && list.every((item) => typeof item === 'string' && item.length > 0);
  if (typeof value !== 'object' || value === null) return false;
  const { imports, modules } = value as Record<string, unknown>;
  return (
    names(imports) &&
    names(modules) &&
    (modules as string[]).every((name) => basename(name) === name && name.endsWith('.wasm'))
  );
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Turns a component on disk into what workers instantiate: transpiled once per content hash (the output
 * is cached on disk, shared by processes), compiled once per process (an LRU of compiled modules), with
 * the memory cap patched in and the imports checked against the allowed set. Loads of one hash share
 * one flight.
 */
export class ComponentStore {
  private readonly loaded = new Map<string, ComponentCode>();
  private readonly inflight = new Map<string, Promise<LoadResult>>();
  private transpileCount = 0;
  private compileCount = 0;

  constructor(private readonly options: ComponentStoreOptions) {}

  get size(): number {
    return this.loaded.size;
  }

  get transpiles(): number {
    return this.transpileCount;
  }

  get compiles(): number {
    return this.compileCount;
  }

  /** The compiled component, marked as recently used; undefined when it is not (or no longer) loaded. */
  get(contentHash: string): ComponentCode | undefined {
    const code = this.loaded.get(contentHash);
    if (code) {
      this.loaded.delete(contentHash);
      this.loaded.set(contentHash, code);
    }
    return code;
  }

  async load(contentHash: string, componentPath: string): Promise<LoadResult> {
    const hex = CONTENT_HASH.exec(contentHash)?.[1];
    if (!hex) throw new SandboxError('INVALID_CONTENT_HASH', `not a sha256:<hex> content hash: ${contentHash}`);
    if (this.get(contentHash)) return { transpileMs: 0, compileMs: 0, transpileCached: true, moduleCached: true };
    let flight = this.inflight.get(contentHash);
    if (!flight) {
      flight = this.loadFromDisk(contentHash, hex, componentPath).finally(() => this.inflight.delete(contentHash));
      this.inflight.set(contentHash, flight);
    }
    return flight;
  }

  private async loadFromDisk(contentHash: string, hex: string, componentPath: string): Promise<LoadResult> {
    const dir = join(this.options.transpileDir, hex);
    const started = performance.now();
    let meta = await this.readMeta(dir);
    const transpileCached = meta !== undefined;
    if (meta) {
      this.checkImports(contentHash, meta.imports);
      // The directory's time is its last use, for pruning.
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
    } else {
      meta = await this.transpile(contentHash, dir, componentPath);
    }
    const transpiled = performance.now();
    let code: ComponentCode;
    try {
      code = await this.compile(dir, meta);
    } catch (error) {
      if (!transpileCached) throw error;
      // A damaged cache entry (files missing or corrupt): transpile it again, once.
      this.options.logger.warn({ contentHash, err: error }, 'transpile cache entry unusable; transpiling again');
      await rm(dir, { recursive: true, force: true });
      code = await this.compile(dir, await this.transpile(contentHash, dir, componentPath));
    }
    const compiled = performance.now();
    this.loaded.set(contentHash, code);
    for (const oldest of this.loaded.keys()) {
      if (this.loaded.size <= this.options.compiledModulesMax) break;
      this.loaded.delete(oldest);
      this.options.onEvict(oldest);
    }
    if (!transpileCached) await this.prune(hex);
    return {
      transpileMs: transpiled - started,
      compileMs: compiled - transpiled,
      transpileCached,
      moduleCached: false,
    };
  }

  /**
   * Keeps the transpile cache bounded: past `transpiledMax` entries, removes the least recently used ones
   * that are not loaded in this process (another process may still be reading one; it would transpile
   * again, which is correct, only slower).
   */
  private async prune(keep: string): Promise<void> {
    const limit = this.options.transpiledMax ?? Math.max(16, this.options.compiledModulesMax * 4);
    let names: string[];
    try {
      names = (await readdir(this.options.transpileDir)).filter((name) => HEX_NAME.test(name));
    } catch {
      return;
    }
    if (names.length <= limit) return;
    const inUse = new Set([keep, ...[...this.loaded.keys()].map((hash) => hash.slice('sha256:'.length))]);
    const entries = await Promise.all(
      names.map(async (name) => ({
        name,
        used: (await stat(join(this.options.transpileDir, name)).catch(() => null))?.mtimeMs ?? 0,
      })),
    );
    entries.sort((a, b) => a.used - b.used);
    let excess = names.length - limit;
    for (const entry of entries) {
      if (excess <= 0) break;
      if (inUse.has(entry.name)) continue;
      await rm(join(this.options.transpileDir, entry.name), { recursive: true, force: true });
      excess -= 1;
    }
  }

  private checkImports(contentHash: string, imports: string[]): void {
    const refused = disallowedImports(imports);
    if (refused.length > 0) {
      throw new SandboxError(
        'COMPONENT_IMPORTS_NOT_ALLOWED',
        `component imports interfaces outside the allowed set: ${refused.join(', ')}`,
        { contentHash, imports: refused },
      );
    }
  }

  private async readMeta(dir: string): Promise<CacheMeta | undefined> {
    let text: string;
    try {
      text = await readFile(join(dir, META_FILE), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const meta: unknown = JSON.parse(text);
      if (isCacheMeta(meta)) return meta;
    } catch {
      // Falls through: treated like any other damaged entry.
    }
    this.options.logger.warn({ dir }, 'transpile cache entry has a damaged meta.json; transpiling again');
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }

  /** Transpiles into a temporary directory, checks the imports, then renames it into place. */
  private async transpile(contentHash: string, dir: string, componentPath: string): Promise<CacheMeta> {
    await mkdir(this.options.transpileDir, { recursive: true });
    const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      this.transpileCount += 1;
      const reply = await runTranspileWorker({ componentPath, outDir: temp });
      if (!reply.ok) {
        throw new SandboxError('COMPONENT_LOAD_FAILED', `transpiling the component failed: ${reply.message}`, {
          contentHash,
        });
      }
      const meta: CacheMeta = { imports: reply.imports, modules: reply.modules };
      this.checkImports(contentHash, meta.imports);
      await writeFile(join(temp, META_FILE), JSON.stringify(meta));
      try {
        await rename(temp, dir);
      } catch (error) {
        // Another process renamed the same output into place first; it is equivalent to ours.
        if (errorCode(error) !== 'ENOTEMPTY' && errorCode(error) !== 'EEXIST') throw error;
      }
      return meta;
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  private async compile(dir: string, meta: CacheMeta): Promise<ComponentCode> {
    const modules: Record<string, WasmModule> = {};
    try {
      await access(join(dir, GLUE_FILE));
      for (const name of meta.modules) {
        const bytes = await readFile(join(dir, name));
        const capped = readMemoryLimits(bytes) ? capMemory(bytes, this.options.memoryMaxPages) : bytes;
        modules[name] = await wasm.compile(capped);
      }
    } catch (error) {
      throw new SandboxError('COMPONENT_LOAD_FAILED', `compiling the component failed: ${message(error)}`, {
        dir,
      });
    }
    this.compileCount += 1;
    return { glueUrl: pathToFileURL(join(dir, GLUE_FILE)).href, modules };
  }
}

function runTranspileWorker(job: TranspileJob): Promise<TranspileReply> {
  return new Promise<TranspileReply>((resolve) => {
    let settled = false;
    const settle = (reply: TranspileReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(reply);
      worker.terminate().catch(() => undefined);
    };
    const worker = new Worker(sandboxScriptUrl('transpile-worker'), {
      workerData: job,
      env: {},
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const timer = setTimeout(
      () => settle({ ok: false, message: `no result within ${TRANSPILE_TIMEOUT_MS} ms` }),
      TRANSPILE_TIMEOUT_MS,
    );
    worker.on('message', (reply: TranspileReply) => settle(reply));
    worker.on('error', (error) => settle({ ok: false, message: message(error) }));
    worker.on('exit', (code) => settle({ ok: false, message: `transpile worker exited with code ${code}` }));
  });
}
