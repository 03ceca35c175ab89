import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildTestComponent } from '@extplat/testing';
import { SandboxError } from './errors.js';
import { Sandbox } from './sandbox.js';
import { TOOLCHAIN_KEY } from './toolchain.js';
import {
  SandboxCapability,
  type ExecuteJob,
  type ExecutionOutcome,
  type FetchRequest,
  type FetchResult,
  type LogLevel,
  type SandboxOptions,
} from './types.js';

const GUESTS = fileURLToPath(new URL('../../test/guests/', import.meta.url));
const PROBE_HASH = `sha256:${'1'.repeat(64)}`;
const ALL_CAPABILITIES: ReadonlySet<string> = new Set(Object.values(SandboxCapability));
const MEMORY_MAX_MiB = 128;
const HOST_REPLY_MAX_BYTES = 256 * 1024;
const logger = pino({ level: 'silent' });
const decoder = new TextDecoder();

let probePath: string;
let wasiCliPath: string;
let workDir: string;
let sandbox: Sandbox;
let keys = 0;

function sandboxOptions(transpileDir: string, patch: Partial<SandboxOptions> = {}): SandboxOptions {
  return {
    workers: 2,
    memoryMaxMiB: MEMORY_MAX_MiB,
    transpileDir,
    compiledModulesMax: 4,
    logger,
    hostReplyMaxBytes: HOST_REPLY_MAX_BYTES,
    responseBodyMaxBytes: 1024 * 1024,
    ...patch,
  };
}

/** A job for the probe guest; every test gets its own instance key unless it passes one. */
function probeJob(target: string, patch: Partial<ExecuteJob> = {}): ExecuteJob {
  const url = new URL(target, 'http://probe');
  return {
    contentHash: PROBE_HASH,
    instanceKey: `key-${++keys}`,
    request: { method: 'GET', path: url.pathname, query: [...url.searchParams], headers: [], body: new Uint8Array() },
    context: {
      requestId: 'req-1',
      tenantId: 'tenant-1',
      installId: 'install-1',
      extensionId: 'com.example.probe',
      version: '1.2.3',
      contentHash: PROBE_HASH,
      userId: 'user-1',
      handler: 'probe',
      params: [['id', '42']],
    },
    configJson: '{"greeting":"hello"}',
    capabilities: ALL_CAPABILITIES,
    deadlineMs: 10_000,
    host: {
      secret: () => Promise.resolve(undefined),
      fetch: () => Promise.resolve({ ok: false, error: { tag: 'failed', val: 'no fetch in this test' } }),
    },
    onLog: () => undefined,
    ...patch,
  };
}

function okJson(outcome: ExecutionOutcome): unknown {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(outcome)}`);
  return JSON.parse(decoder.decode(outcome.response.body));
}

async function counter(instanceKey: string): Promise<number> {
  return (okJson(await sandbox.execute(probeJob('/counter', { instanceKey }))) as { counter: number }).counter;
}

beforeAll(async () => {
  [probePath, wasiCliPath] = await Promise.all([
    buildTestComponent(join(GUESTS, 'probe.js')),
    buildTestComponent(join(GUESTS, 'wasi-cli.js'), { disableFeatures: [] }),
  ]);
  workDir = await mkdtemp(join(tmpdir(), 'extplat-sandbox-'));
  sandbox = Sandbox.create(sandboxOptions(join(workDir, 'shared')));
  await sandbox.load(PROBE_HASH, probePath);
}, 240_000);

afterAll(async () => {
  await sandbox?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('Sandbox: requests', () => {
  it('answers /ping', async () => {
    const outcome = await sandbox.execute(probeJob('/ping'));
    expect(outcome).toMatchObject({
      kind: 'ok',
      response: { status: 200, headers: [['content-type', 'application/json']] },
    });
    expect(okJson(outcome)).toEqual({ ok: true });
    if (outcome.kind !== 'ok') return;
    expect(outcome.timings.reused).toBe(false);
    expect(outcome.timings.totalMs).toBeGreaterThanOrEqual(outcome.timings.callMs);
  });

  it('passes the request through', async () => {
    const job = probeJob('/echo?a=1&a=2&b=x');
    job.request = {
      ...job.request,
      method: 'POST',
      headers: [['x-test', 'yes']],
      body: new TextEncoder().encode('hi'),
    };
    expect(okJson(await sandbox.execute(job))).toEqual({
      method: 'POST',
      path: '/echo',
      query: [
        ['a', '1'],
        ['a', '2'],
        ['b', 'x'],
      ],
      headers: [['x-test', 'yes']],
      body: 'hi',
    });
  });

  it('gives the guest its request context and configuration', async () => {
    const job = probeJob('/context');
    expect(okJson(await sandbox.execute(job))).toEqual({ ...job.context });
    const anonymous = probeJob('/context');
    anonymous.context = { ...anonymous.context, userId: null };
    expect(okJson(await sandbox.execute(anonymous))).not.toHaveProperty('userId');
    expect(okJson(await sandbox.execute(probeJob('/config')))).toEqual({ config: { greeting: 'hello' } });
  });

  it('asks the host for secrets', async () => {
    const asked: string[] = [];
    const host = {
      secret: (name: string) => {
        asked.push(name);
        return Promise.resolve(name === 'api-token' ? 's3cr3t' : undefined);
      },
      fetch: () => Promise.resolve<FetchResult>({ ok: false, error: { tag: 'timeout' } }),
    };
    expect(okJson(await sandbox.execute(probeJob('/secret?name=api-token', { host })))).toEqual({ value: 's3cr3t' });
    expect(okJson(await sandbox.execute(probeJob('/secret?name=other', { host })))).toEqual({ value: null });
    expect(asked).toEqual(['api-token', 'other']);
  });

  it('forwards log lines with their level, capped per request', async () => {
    const lines: [LogLevel, string][] = [];
    const onLog = (level: LogLevel, message: string) => lines.push([level, message]);
    await sandbox.execute(probeJob('/log', { onLog }));
    expect(lines).toEqual([
      ['trace', 'trace message'],
      ['debug', 'debug message'],
      ['info', 'info message'],
      ['warn', 'warn message'],
      ['error', 'error message'],
    ]);
    lines.length = 0;
    expect((await sandbox.execute(probeJob('/log?count=150', { onLog }))).kind).toBe('ok');
    expect(lines).toHaveLength(100);
    expect(lines[99]).toEqual(['info', 'line 99']);
  });

  it('refuses invalid responses', async () => {
    expect(await sandbox.execute(probeJob('/bad-status'))).toEqual({
      kind: 'invalid-response',
      message: 'status 42 is outside 200-599',
    });
    expect(await sandbox.execute(probeJob(`/big-body?bytes=${1024 * 1024 + 1}`))).toMatchObject({
      kind: 'invalid-response',
      message: expect.stringContaining('over the cap of 1048576'),
    });
    expect(await sandbox.execute(probeJob('/many-headers?count=101'))).toMatchObject({ kind: 'invalid-response' });
    expect((await sandbox.execute(probeJob(`/big-body?bytes=${1024 * 1024}`))).kind).toBe('ok');
  });

  it('rejects a job for a component that is not loaded', async () => {
    await expect(sandbox.execute(probeJob('/ping', { contentHash: `sha256:${'9'.repeat(64)}` }))).rejects.toMatchObject(
      {
        code: 'COMPONENT_NOT_LOADED',
      },
    );
  });
});

describe('Sandbox: instance reuse', () => {
  it('reuses an instance within one key and never across keys', async () => {
    expect(await counter('tenant-a')).toBe(1);
    expect(await counter('tenant-a')).toBe(2);
    expect(await counter('tenant-b')).toBe(1);
    const third = await sandbox.execute(probeJob('/counter', { instanceKey: 'tenant-a' }));
    expect(okJson(third)).toEqual({ counter: 3 });
    expect(third.kind === 'ok' && third.timings.reused).toBe(true);
    expect(await counter('tenant-b')).toBe(2);
  });

  it('discards an instance that trapped', async () => {
    expect(await counter('throwing')).toBe(1);
    expect(await counter('throwing')).toBe(2);
    const outcome = await sandbox.execute(probeJob('/throw', { instanceKey: 'throwing' }));
    expect(outcome).toMatchObject({ kind: 'trap', message: expect.stringContaining('RuntimeError') });
    expect(await counter('throwing')).toBe(1);
  });

  it('recycles an instance after maxRequestsPerInstance', async () => {
    const recycling = Sandbox.create(
      sandboxOptions(join(workDir, 'shared'), { workers: 1, maxRequestsPerInstance: 2 }),
    );
    try {
      await recycling.load(PROBE_HASH, probePath);
      const values: number[] = [];
      for (let i = 0; i < 5; i++) {
        values.push(
          (okJson(await recycling.execute(probeJob('/counter', { instanceKey: 'k' }))) as { counter: number }).counter,
        );
      }
      expect(values).toEqual([1, 2, 1, 2, 1]);
    } finally {
      await recycling.close();
    }
  });
});

describe('Sandbox: limits', () => {
  it('terminates an infinite loop at the deadline and serves the next request', async () => {
    const replaced = sandbox.stats().replaced;
    const started = performance.now();
    expect(await sandbox.execute(probeJob('/loop', { deadlineMs: 500 }))).toEqual({ kind: 'timeout' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(490);
    // Generous for a loaded machine: the point is that the loop does not run on for long.
    expect(elapsed).toBeLessThan(500 + 5000);
    expect(sandbox.stats().replaced).toBe(replaced + 1);
    expect(okJson(await sandbox.execute(probeJob('/ping')))).toEqual({ ok: true });
    // The replacement was spawned at kill time; it reports in once it has started.
    for (let waited = 0; sandbox.stats().alive < 2 && waited < 5000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sandbox.stats()).toMatchObject({ workers: 2, alive: 2, busy: 0, queued: 0 });
  });

  it('traps a guest at its memory cap without harming the worker', async () => {
    const replaced = sandbox.stats().replaced;
    expect(await counter('hungry')).toBe(1);
    const outcome = await sandbox.execute(probeJob('/oom', { instanceKey: 'hungry', deadlineMs: 30_000 }));
    expect(outcome).toMatchObject({ kind: 'out-of-memory', message: expect.stringContaining('RuntimeError') });
    expect(sandbox.stats().replaced).toBe(replaced);
    expect(await counter('hungry')).toBe(1);
  });

  it('times out while blocked in a host fetch and aborts the host I/O', async () => {
    let signal: AbortSignal | undefined;
    const fetch = (_request: FetchRequest, abortSignal: AbortSignal) => {
      signal = abortSignal;
      return new Promise<FetchResult>(() => undefined);
    };
    const started = performance.now();
    const outcome = await sandbox.execute(
      probeJob('/fetch?url=https://slow.example', {
        deadlineMs: 400,
        host: { secret: () => Promise.resolve(undefined), fetch },
      }),
    );
    expect(outcome).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    // The host fetch started, and the deadline aborted it (the guest would otherwise wait forever).
    expect(signal?.aborted).toBe(true);
    expect(okJson(await sandbox.execute(probeJob('/ping')))).toEqual({ ok: true });
  });

  it('times out a job still queued at its deadline without killing a worker', async () => {
    const release: (() => void)[] = [];
    const blockingFetch = (_request: FetchRequest, signal: AbortSignal) =>
      new Promise<FetchResult>((resolve) => {
        const answer = () => resolve({ ok: true, status: 204, headers: [], body: new Uint8Array() });
        release.push(answer);
        signal.addEventListener('abort', answer);
      });
    const host = { secret: () => Promise.resolve(undefined), fetch: blockingFetch };
    const running = [1, 2].map(() => sandbox.execute(probeJob('/fetch?url=https://a.example', { host })));
    while (release.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const replaced = sandbox.stats().replaced;
    expect(sandbox.stats()).toMatchObject({ busy: 2 });
    const queued = sandbox.execute(probeJob('/ping', { deadlineMs: 100 }));
    expect(sandbox.stats().queued).toBe(1);
    expect(await queued).toEqual({ kind: 'timeout' });
    for (const answer of release) answer();
    for (const outcome of await Promise.all(running)) expect(okJson(outcome)).toMatchObject({ status: 204 });
    expect(sandbox.stats().replaced).toBe(replaced);
  });
});

describe('Sandbox: host fetch', () => {
  const fetchWith = (result: FetchResult | (() => Promise<FetchResult>), seen: FetchRequest[] = []) => ({
    secret: () => Promise.resolve(undefined),
    fetch: (request: FetchRequest) => {
      seen.push(request);
      return typeof result === 'function' ? result() : Promise.resolve(result);
    },
  });

  it('returns the upstream response to the guest', async () => {
    const seen: FetchRequest[] = [];
    const host = fetchWith(
      { ok: true, status: 201, headers: [['x-up', '1']], body: new TextEncoder().encode('created') },
      seen,
    );
    const job = probeJob('/fetch?url=https://api.example/items&method=POST', { host });
    job.request = { ...job.request, body: new TextEncoder().encode('payload') };
    expect(okJson(await sandbox.execute(job))).toEqual({
      status: 201,
      headers: [['x-up', '1']],
      bodyLength: 7,
      body: 'created',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'https://api.example/items', headers: [['x-probe', '1']] });
    expect(decoder.decode(seen[0]!.body)).toBe('payload');
  });

  it.each([
    { tag: 'denied', val: 'https://evil.example is not granted' },
    { tag: 'timeout' },
    { tag: 'too-large' },
    { tag: 'failed', val: 'connection refused' },
  ] as const)('passes the $tag error to the guest', async (error) => {
    const outcome = await sandbox.execute(
      probeJob('/fetch?url=https://x.example', { host: fetchWith({ ok: false, error }) }),
    );
    expect(okJson(outcome)).toEqual({ error });
  });

  it('turns a reply over the host-call cap into too-large', async () => {
    const host = fetchWith({ ok: true, status: 200, headers: [], body: new Uint8Array(HOST_REPLY_MAX_BYTES + 1) });
    expect(okJson(await sandbox.execute(probeJob('/fetch?url=https://big.example', { host })))).toEqual({
      error: { tag: 'too-large' },
    });
    const fits = fetchWith({ ok: true, status: 200, headers: [], body: new Uint8Array(HOST_REPLY_MAX_BYTES) });
    expect(okJson(await sandbox.execute(probeJob('/fetch?url=https://big.example', { host: fits })))).toMatchObject({
      bodyLength: HOST_REPLY_MAX_BYTES,
    });
  });

  it('turns a failing host into failed', async () => {
    const host = fetchWith(() => Promise.reject(new Error('boom')));
    expect(okJson(await sandbox.execute(probeJob('/fetch?url=https://x.example', { host })))).toEqual({
      error: { tag: 'failed', val: 'the platform could not perform the request' },
    });
  });
});

describe('Sandbox: capabilities', () => {
  it.each([
    ['/log', SandboxCapability.Log],
    ['/context', SandboxCapability.Context],
    ['/config', SandboxCapability.Context],
    ['/secret?name=api-token', SandboxCapability.Secrets],
    ['/fetch?url=https://api.example', SandboxCapability.HttpFetch],
  ])('ends %s with capability-denied without %s', async (target, capability) => {
    const calls: string[] = [];
    const lines: string[] = [];
    const granted = new Set([...ALL_CAPABILITIES].filter((name) => name !== capability));
    const instanceKey = `withheld ${target}`;
    expect(await counter(instanceKey)).toBe(1);
    const outcome = await sandbox.execute(
      probeJob(target, {
        instanceKey,
        capabilities: granted,
        onLog: (_level, message) => lines.push(message),
        host: {
          secret: (name) => {
            calls.push(`secret ${name}`);
            return Promise.resolve('x');
          },
          fetch: (request) => {
            calls.push(`fetch ${request.url}`);
            return Promise.resolve({ ok: false, error: { tag: 'timeout' } });
          },
        },
      }),
    );
    expect(outcome).toEqual({ kind: 'capability-denied', capability });
    expect(calls).toEqual([]);
    expect(lines).toEqual([]);
    // The instance that hit the denial is gone.
    expect(await counter(instanceKey)).toBe(1);
  });

  it('runs a guest that uses no import with no capability at all', async () => {
    expect(okJson(await sandbox.execute(probeJob('/ping', { capabilities: new Set() })))).toEqual({ ok: true });
  });
});

describe('Sandbox: loading', () => {
  it('refuses a component that imports beyond the allowed set, naming the imports', async () => {
    const error = await sandbox.load(`sha256:${'2'.repeat(64)}`, wasiCliPath).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(SandboxError);
    expect(error).toMatchObject({ code: 'COMPONENT_IMPORTS_NOT_ALLOWED' });
    const imports = (error as SandboxError).details.imports as string[];
    expect(imports).toEqual(
      expect.arrayContaining(['wasi:cli/stdout', 'wasi:filesystem/preopens', 'wasi:http/outgoing-handler']),
    );
    expect(imports).not.toContain('wasi:cli/stderr');
    expect((error as Error).message).toContain('wasi:http/outgoing-handler');
    expect(okJson(await sandbox.execute(probeJob('/ping')))).toEqual({ ok: true });
  });

  it('rejects only the failing load', async () => {
    await expect(sandbox.load('sha256:../../etc', probePath)).rejects.toMatchObject({ code: 'INVALID_CONTENT_HASH' });
    await expect(sandbox.load(`sha256:${'3'.repeat(64)}`, join(workDir, 'missing.wasm'))).rejects.toMatchObject({
      code: 'COMPONENT_LOAD_FAILED',
    });
    expect(okJson(await sandbox.execute(probeJob('/ping')))).toEqual({ ok: true });
  });

  it('reuses the transpile output of another Sandbox', async () => {
    const second = Sandbox.create(sandboxOptions(join(workDir, 'shared'), { workers: 1 }));
    try {
      const result = await second.load(PROBE_HASH, probePath);
      expect(result).toMatchObject({ transpileCached: true, moduleCached: false });
      expect(second.stats()).toMatchObject({ transpiles: 0, compiles: 1, loadedComponents: 1 });
      expect(okJson(await second.execute(probeJob('/ping')))).toEqual({ ok: true });
      expect(await second.load(PROBE_HASH, probePath)).toMatchObject({ transpileCached: true, moduleCached: true });
    } finally {
      await second.close();
    }
  });

  it('transpiles and compiles once for concurrent loads of one hash', async () => {
    const fresh = Sandbox.create(sandboxOptions(join(workDir, 'concurrent'), { workers: 1 }));
    try {
      const results = await Promise.all([fresh.load(PROBE_HASH, probePath), fresh.load(PROBE_HASH, probePath)]);
      expect(results.map((result) => result.transpileCached)).toEqual([false, false]);
      expect(results[0].transpileMs).toBeGreaterThan(0);
      expect(fresh.stats()).toMatchObject({ transpiles: 1, compiles: 1 });
    } finally {
      await fresh.close();
    }
  });

  it('keeps the transpile cache on disk bounded, least recently used out first, per toolchain', async () => {
    const dir = join(workDir, 'bounded');
    // Output of another toolchain, and of the layout before toolchain keys: never loaded, so removed.
    const stale = [join(dir, 'jco-transpile-0.0.1.f1', 'a'.repeat(64)), join(dir, 'd'.repeat(64))];
    for (const path of stale) mkdirSync(path, { recursive: true });
    mkdirSync(join(dir, 'unrelated'));
    const bounded = Sandbox.create(sandboxOptions(dir, { workers: 1, compiledModulesMax: 1, transpiledMax: 2 }));
    const hashes = ['a', 'b', 'c'].map((digit) => `sha256:${digit.repeat(64)}`);
    try {
      for (const hash of hashes) await bounded.load(hash, probePath);
      expect(readdirSync(dir).sort()).toEqual([TOOLCHAIN_KEY, 'unrelated']);
      expect(stale.filter((path) => existsSync(path))).toEqual([]);
      const kept = readdirSync(join(dir, TOOLCHAIN_KEY)).filter((name) => /^[0-9a-f]{64}$/.test(name));
      expect(kept.sort()).toEqual(['b'.repeat(64), 'c'.repeat(64)]);
      expect(bounded.stats()).toMatchObject({ transpiles: 3, loadedComponents: 1 });
    } finally {
      await bounded.close();
    }
    // Three transpiles: on a loaded machine each can take well over the default 60 s share.
  }, 240_000);

  it('rejects work after close', async () => {
    const closing = Sandbox.create(sandboxOptions(join(workDir, 'shared'), { workers: 1 }));
    await closing.load(PROBE_HASH, probePath);
    await closing.close();
    await expect(closing.execute(probeJob('/ping'))).rejects.toMatchObject({ code: 'SANDBOX_CLOSED' });
  });
});

describe('Sandbox: fair scheduling across tenants', () => {
  /** A host whose fetches block until the test answers them, or opens it, or the job's deadline aborts them. */
  function heldFetches() {
    const held: (() => void)[] = [];
    let open = false;
    const host = {
      secret: () => Promise.resolve(undefined),
      fetch: (_request: FetchRequest, signal: AbortSignal) =>
        new Promise<FetchResult>((resolve) => {
          const answer = () => resolve({ ok: true, status: 204, headers: [], body: new Uint8Array() });
          if (open) return answer();
          held.push(answer);
          signal.addEventListener('abort', answer);
        }),
    };
    /** Answers every held fetch, and every later one at once. */
    const openAll = () => {
      open = true;
      for (const answer of held.splice(0)) answer();
    };
    return { held, host, openAll };
  }
  const tenantJob = (tenantId: string, target: string, patch: Partial<ExecuteJob> = {}) => {
    const job = probeJob(target, { deadlineMs: 60_000, ...patch });
    return { ...job, context: { ...job.context, tenantId, installId: `${tenantId}-install` } };
  };
  const slowJob = (tenantId: string, host: ExecuteJob['host']) =>
    tenantJob(tenantId, '/fetch?url=https://slow.example', { host });
  const until = async (condition: () => boolean) => {
    for (let waited = 0; !condition(); waited += 10) {
      if (waited > 30_000) throw new Error('condition not met within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const waits: [string, number][] = [];
  const rejections: [string, string][] = [];
  const observer = {
    waited: (tenantId: string, ms: number) => waits.push([tenantId, ms]),
    rejected: (tenantId: string, reason: string) => rejections.push([tenantId, reason]),
  };
  /** Two workers, one running job per tenant; a queue budget far longer than any test waits. */
  let fair: Sandbox;
  /** The same with two waiting jobs per tenant and a 300 ms queue budget. */
  let strict: Sandbox;

  beforeAll(async () => {
    const shared = join(workDir, 'shared');
    fair = Sandbox.create(sandboxOptions(shared, { tenantConcurrency: 1, queueTimeoutMs: 30_000, observer }));
    strict = Sandbox.create(
      sandboxOptions(shared, { tenantConcurrency: 1, tenantQueueMax: 2, queueTimeoutMs: 300, observer }),
    );
    await Promise.all([fair.load(PROBE_HASH, probePath), strict.load(PROBE_HASH, probePath)]);
  });

  afterAll(async () => {
    await Promise.all([fair?.close(), strict?.close()]);
  });

  it("serves tenant B while tenant A's slow calls hold only their share of the workers", async () => {
    const { held, host, openAll } = heldFetches();
    const slow = [1, 2, 3].map(() => fair.execute(slowJob('starving-a', host)));
    await until(() => held.length === 1);
    // A is at its cap of one running job: its other calls wait even though a worker is free.
    expect(fair.stats()).toMatchObject({ busy: 1, queued: 2 });
    for (let i = 0; i < 5; i++) {
      expect(okJson(await fair.execute(tenantJob('starved-b', '/ping')))).toEqual({ ok: true });
    }
    expect(held).toHaveLength(1);
    expect(waits.filter(([tenant]) => tenant === 'starved-b')).toHaveLength(5);
    openAll();
    // A's waiting calls run, one after the other, once its first ends.
    for (const outcome of await Promise.all(slow)) expect(okJson(outcome)).toMatchObject({ status: 204 });
  });

  it("takes turns between tenants rather than serving one tenant's backlog first", async () => {
    const { held, host, openAll } = heldFetches();
    // Both workers busy with two other tenants' held calls, so the next jobs queue up.
    const blockers = [fair.execute(slowJob('blocker-x', host)), fair.execute(slowJob('blocker-y', host))];
    await until(() => held.length === 2);
    const order: string[] = [];
    const queued = [
      ['turns-a', 'a1'],
      ['turns-a', 'a2'],
      ['turns-b', 'b1'],
    ].map(([tenant, name]) =>
      fair.execute(tenantJob(tenant!, '/ping')).then((outcome) => {
        order.push(name!);
        return outcome;
      }),
    );
    expect(fair.stats().queued).toBe(3);
    // Free one worker: it runs the three in fair order, b1 ahead of a2 (FIFO would run a1, a2, b1).
    held.shift()!();
    await until(() => order.length === 3);
    openAll();
    expect(order).toEqual(['a1', 'b1', 'a2']);
    for (const outcome of await Promise.all([...blockers, ...queued])) expect(outcome.kind).toBe('ok');
  });

  it('refuses a call as busy once its tenant has too many waiting, or none ran within the queue budget', async () => {
    const { held, host, openAll } = heldFetches();
    const rejectedBefore = rejections.length;
    const running = strict.execute(slowJob('refused-c', host));
    await until(() => held.length === 1);
    const waiting = [1, 2].map(() => strict.execute(tenantJob('refused-c', '/ping')));
    // tenantQueueMax is 2: a third waiting call is refused at once.
    expect(await strict.execute(tenantJob('refused-c', '/ping'))).toEqual({
      kind: 'busy',
      reason: 'queue-full',
      retryAfterSeconds: 1,
    });
    // The two waiting ones are refused when the 300 ms budget runs out, long before their 60 s deadline.
    for (const outcome of await Promise.all(waiting)) {
      expect(outcome).toEqual({ kind: 'busy', reason: 'queue-timeout', retryAfterSeconds: 1 });
    }
    expect(rejections.slice(rejectedBefore)).toEqual([
      ['refused-c', 'queue-full'],
      ['refused-c', 'queue-timeout'],
      ['refused-c', 'queue-timeout'],
    ]);
    openAll();
    expect(okJson(await running)).toMatchObject({ status: 204 });
    // Refused jobs left nothing counted: the tenant runs again at once.
    expect(strict.stats().tenants.size).toBe(0);
    expect(okJson(await strict.execute(tenantJob('refused-c', '/ping')))).toEqual({ ok: true });
  });

  it('lets a queued job wait at most half its deadline', async () => {
    const { held, host, openAll } = heldFetches();
    const running = strict.execute(slowJob('short-d', host));
    await until(() => held.length === 1);
    // The budget is min(300, 100 / 2) = 50 ms: refused as busy, not left to time out at its deadline.
    expect(await strict.execute(tenantJob('short-d', '/ping', { deadlineMs: 100 }))).toMatchObject({
      kind: 'busy',
      reason: 'queue-timeout',
    });
    openAll();
    expect(okJson(await running)).toMatchObject({ status: 204 });
  });
});
