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
import { TOOLCHAIN_KEY } from './toolchain.js';
import type { LoadResult } from './types.js';
import { wasm, type WasmModule } from './wasm-api.js';
import { capMemory, readMemoryLimits } from './wasm-memory.js';

/** Written last into a transpile directory; its presence marks a complete entry. */
const META_FILE = 'meta.json';
const TRANSPILE_TIMEOUT_MS = 120_000;
const CONTENT_HASH = /^sha256:([0-9a-f]{64})$/;
const HEX_NAME = /^[0-9a-f]{64}$/;
/** A toolchain directory of this store (see toolchain.ts); other names in transpileDir are left alone. */
const TOOLCHAIN_NAME = /^jco-transpile-[0-9a-z.+-]+\.f\d+$/;

interface CacheMeta {
  imports: string[];
  modules: string[];
}

/**
 * Transpile outputs shared between Runners (precompiled artifacts in the bundle store). Implementations
 * check the integrity of what they hand over: a shared output that is missing, stale or forged is
 * reported as not usable, never written into `outDir`.
 */
export interface SharedTranspiles {
  /**
   * Writes the verified shared output of `contentHash` into `outDir` (which it creates) and answers
   * `loaded`; any other answer leaves nothing usable in `outDir`. Does not throw for a bad artifact.
   */
  fetch(contentHash: string, outDir: string): Promise<'loaded' | 'missing' | 'rejected' | 'failed'>;
  /**
   * Shares the transpile output in `dir` (read, never changed). `replace`: an artifact already there was
   * rejected and is to be overwritten. Failures are the implementation's to log; it never throws.
   */
  publish(contentHash: string, dir: string, replace: boolean): Promise<void>;
}

export interface ComponentStoreOptions {
  /** Transpile outputs live in `<transpileDir>/<toolchain key>/<hex>/`. */
  transpileDir: string;
  compiledModulesMax: number;
  /** Transpile outputs kept on disk (~12 MB each); the least recently used go first. */
  transpiledMax?: number;
  memoryMaxPages: number;
  logger: Logger;
  /** Called when a component's modules leave the in-memory cache. */
  onEvict(contentHash: string): void;
  /** Shared precompiled artifacts: fetched before transpiling, published after. */
  shared?: SharedTranspiles;
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
 * Turns a component on disk into what workers instantiate: transpiled once per content hash and toolchain
 * (the output is cached on disk under the toolchain key, shared by processes and kept across restarts;
 * with `shared`, first looked for among other Runners' precompiled artifacts and shared after a
 * transpile), compiled once per process (an LRU of compiled modules), with the memory cap patched in and
 * the imports checked against the allowed set. Loads of one hash share one flight.
 */
export class ComponentStore {
  private readonly loaded = new Map<string, ComponentCode>();
  private readonly inflight = new Map<string, Promise<LoadResult>>();
  private readonly publishing = new Map<string, Promise<void>>();
  /** `<transpileDir>/<toolchain key>` */
  private readonly toolchainDir: string;
  private cleaned?: Promise<void>;
  private transpileCount = 0;
  private compileCount = 0;

  constructor(private readonly options: ComponentStoreOptions) {
    this.toolchainDir = join(options.transpileDir, TOOLCHAIN_KEY);
  }

  /** Resolves when the shared artifact of `contentHash` this process is writing (if any) is written. */
  async sharing(contentHash: string): Promise<void> {
    await this.publishing.get(contentHash);
  }

  /** Waits for every artifact this process is still sharing (shutdown, tests). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.publishing.values()]);
  }

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
    if (this.get(contentHash)) {
      return { transpileMs: 0, compileMs: 0, transpileCached: true, moduleCached: true, source: 'memory' };
    }
    let flight = this.inflight.get(contentHash);
    if (!flight) {
      flight = this.loadFromDisk(contentHash, hex, componentPath).finally(() => this.inflight.delete(contentHash));
      this.inflight.set(contentHash, flight);
    }
    return flight;
  }

  private async loadFromDisk(contentHash: string, hex: string, componentPath: string): Promise<LoadResult> {
    this.cleaned ??= this.removeOtherToolchains();
    await this.cleaned;
    const dir = join(this.toolchainDir, hex);
    const started = performance.now();
    let meta = await this.readMeta(dir);
    let source: LoadResult['source'] = 'disk';
    let sharedVerdict: Awaited<ReturnType<SharedTranspiles['fetch']>> | undefined;
    if (meta) {
      this.checkImports(contentHash, meta.imports);
      // The directory's time is its last use, for pruning.
      const now = new Date();
      await utimes(dir, now, now).catch(() => undefined);
    } else {
      const adopted = await this.adoptShared(contentHash, dir);
      sharedVerdict = adopted.verdict;
      meta = adopted.meta;
      source = meta ? 'shared' : 'transpiled';
      meta ??= await this.transpile(contentHash, dir, componentPath);
    }
    const transpiled = performance.now();
    let code: ComponentCode;
    try {
      code = await this.compile(dir, meta);
    } catch (error) {
      if (source === 'transpiled') throw error;
      // A damaged cache entry (files missing or corrupt), or a shared artifact that passed its integrity
      // check and still does not compile: transpile it again, once.
      this.options.logger.warn({ contentHash, err: error }, 'transpile output unusable; transpiling again');
      await rm(dir, { recursive: true, force: true });
      code = await this.compile(dir, await this.transpile(contentHash, dir, componentPath));
      if (source === 'shared') sharedVerdict = 'rejected';
      source = 'transpiled';
    }
    if (source === 'transpiled' && this.options.shared) this.share(contentHash, dir, sharedVerdict === 'rejected');
    const compiled = performance.now();
    this.loaded.set(contentHash, code);
    for (const oldest of this.loaded.keys()) {
      if (this.loaded.size <= this.options.compiledModulesMax) break;
      this.loaded.delete(oldest);
      this.options.onEvict(oldest);
    }
    if (source !== 'disk') await this.prune(hex);
    return {
      transpileMs: transpiled - started,
      compileMs: compiled - transpiled,
      transpileCached: source === 'disk',
      moduleCached: false,
      source,
    };
  }

  /**
   * A shared artifact, verified by `shared.fetch`, moved into `dir` once its meta.json reads and its
   * imports pass. Undefined meta: there is none usable, transpile.
   */
  private async adoptShared(
    contentHash: string,
    dir: string,
  ): Promise<{ meta?: CacheMeta; verdict?: Awaited<ReturnType<SharedTranspiles['fetch']>> }> {
    const shared = this.options.shared;
    if (!shared) return {};
    await mkdir(this.toolchainDir, { recursive: true });
    const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const verdict = await shared.fetch(contentHash, temp);
      if (verdict !== 'loaded') return { verdict };
      const meta = await this.readMeta(temp);
      if (!meta) return { verdict: 'rejected' };
      this.checkImports(contentHash, meta.imports);
      await this.moveIntoPlace(temp, dir);
      return { meta, verdict };
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** Publishes in the background: the call that transpiled does not wait for the upload. */
  private share(contentHash: string, dir: string, replace: boolean): void {
    const shared = this.options.shared;
    if (!shared || this.publishing.has(contentHash)) return;
    const publication = shared
      .publish(contentHash, dir, replace)
      .catch((error: unknown) => this.options.logger.warn({ contentHash, err: error }, 'sharing the transpile failed'))
      .finally(() => this.publishing.delete(contentHash));
    this.publishing.set(contentHash, publication);
  }

  /**
   * Entries of other toolchains (and of the layout before toolchain keys, `<transpileDir>/<hex>/`) are
   * never loaded again: removed once per process, before the first load.
   */
  private async removeOtherToolchains(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.options.transpileDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === TOOLCHAIN_KEY) continue;
      if (HEX_NAME.test(name) || TOOLCHAIN_NAME.test(name)) {
        await rm(join(this.options.transpileDir, name), { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }

  private async moveIntoPlace(temp: string, dir: string): Promise<void> {
    try {
      await rename(temp, dir);
    } catch (error) {
      // Another process renamed the same output into place first; it is equivalent to ours.
      if (errorCode(error) !== 'ENOTEMPTY' && errorCode(error) !== 'EEXIST') throw error;
    }
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
      names = (await readdir(this.toolchainDir)).filter((name) => HEX_NAME.test(name));
    } catch {
      return;
    }
    if (names.length <= limit) return;
    const inUse = new Set([keep, ...[...this.loaded.keys()].map((hash) => hash.slice('sha256:'.length))]);
    const entries = await Promise.all(
      names.map(async (name) => ({
        name,
        used: (await stat(join(this.toolchainDir, name)).catch(() => null))?.mtimeMs ?? 0,
      })),
    );
    entries.sort((a, b) => a.used - b.used);
    let excess = names.length - limit;
    for (const entry of entries) {
      if (excess <= 0) break;
      if (inUse.has(entry.name)) continue;
      await rm(join(this.toolchainDir, entry.name), { recursive: true, force: true });
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
    await mkdir(this.toolchainDir, { recursive: true });
    const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      this.transpileCount += 1;
      const reply = await runTranspileWorker({ componentPath, outDir: temp });
      if (!reply.ok && (reply.code === 'ENOSPC' || reply.code === 'EDQUOT')) {
        // A full cache volume is the Runner's state, not the component's fault: 503 CACHE_FULL upstream.
        throw Object.assign(new Error(`writing the transpiled component failed: ${reply.message}`), {
          code: reply.code,
        });
      }
      if (!reply.ok) {
        throw new SandboxError('COMPONENT_LOAD_FAILED', `transpiling the component failed: ${reply.message}`, {
          contentHash,
        });
      }
      const meta: CacheMeta = { imports: reply.imports, modules: reply.modules };
      this.checkImports(contentHash, meta.imports);
      await writeFile(join(temp, META_FILE), JSON.stringify(meta));
      await this.moveIntoPlace(temp, dir);
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
