import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signBundle } from '@extplat/signing';
import {
  bundleOf,
  createTestBucket,
  createTestDatabase,
  type RawEntry,
  type RunningService,
  startService,
  s3StorageEnv,
} from '@extplat/testing';
import { type ApiHarness, startApi, testTrust, type TestBundle, uploadViaProxy } from './api-harness.js';

const RUNNER_ENTRY = fileURLToPath(new URL('../../runner/dist/main.js', import.meta.url));
const CONFIG_CHECK = fileURLToPath(new URL('../../../scripts/config-check.mjs', import.meta.url));

/** Runs `npm run config:check`'s script against an API and a Runner. */
export function configCheck(api: string, runner: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CONFIG_CHECK, '--api', api, '--runner', runner], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
export const SHARED_SECRET = 'r'.repeat(32);

/**
 * A port free a moment ago. Racy (another process may bind it first): only for a server that must know its
 * own origin before it starts (the console stack's API); everything else listens on port 0.
 */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface Stack {
  api: ApiHarness;
  runner: RunningService;
  runnerUrl: string;
  /** The Runner's public base: `localhost` instead of 127.0.0.1, so it is another origin than the API's. */
  runnerPublicBase: string;
  cacheDir: string;
  /** Starts the Runner again on its port with the same settings (after a test killed it); updates `runner`. */
  restartRunner(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The API in this process and the Runner as its own process (`apps/runner/dist/main.js`, as production
 * runs it), sharing one test database and one bucket, with signatures enforced by both against the test CA.
 */
export async function startStack(
  options: {
    /** The CA both trust; the test CA of api-harness when absent. */
    trustBundlePem?: string;
    /** Settings both must share (config parity), e.g. EXT_EGRESS_ALLOWLIST. */
    sharedEnv?: Record<string, string>;
    apiEnv?: Record<string, string>;
    runnerEnv?: Record<string, string>;
  } = {},
): Promise<Stack> {
  // The Runner first, on a port of the kernel's choosing (a port picked beforehand could be taken by
  // another test file before the Runner binds it); the API is then told where it listens.
  const [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
  const cacheDir = mkdtempSync(join(tmpdir(), 'extplat-runner-cache-'));
  let runner: RunningService;
  const runnerEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    ...s3StorageEnv(bucket),
    SIGNING_POLICY: 'enforce',
    SIGNING_TRUST_BUNDLE: options.trustBundlePem ?? testTrust().ca.certificatePem,
    RUNNER_SHARED_SECRET: SHARED_SECRET,
    RUNNER_HOST: '127.0.0.1',
    RUNNER_PORT: '0',
    CONSOLE_ORIGIN: 'http://127.0.0.1:4200',
    RUNNER_CACHE_DIR: cacheDir,
    RUNNER_WORKERS: '2',
    LOG_LEVEL: 'debug',
    ...options.sharedEnv,
    ...options.runnerEnv,
  };
  try {
    runner = await startService(RUNNER_ENTRY, runnerEnv);
  } catch (error) {
    await Promise.all([database.drop(), bucket.destroy()]);
    throw error;
  }
  const runnerUrl = runner.url;
  const runnerPublicBase = runnerUrl.replace('//127.0.0.1:', '//localhost:');
  let api: ApiHarness;
  try {
    api = await startApi({
      database,
      bucket,
      env: {
        RUNNER_BASE_URL: runnerUrl,
        RUNNER_PUBLIC_BASE: runnerPublicBase,
        RUNNER_SHARED_SECRET: SHARED_SECRET,
        ...(options.trustBundlePem ? { SIGNING_TRUST_BUNDLE: options.trustBundlePem } : {}),
        ...options.sharedEnv,
        ...options.apiEnv,
      },
    });
  } catch (error) {
    await runner.stop();
    await Promise.all([database.drop(), bucket.destroy()]);
    throw error;
  }
  const stack: Stack = {
    api,
    runner,
    runnerUrl,
    runnerPublicBase,
    cacheDir,
    restartRunner: async () => {
      await stack.runner.stop();
      // Back on the same port: the API was told this address.
      stack.runner = await startService(RUNNER_ENTRY, { ...runnerEnv, RUNNER_PORT: new URL(runnerUrl).port });
    },
    close: async () => {
      await stack.runner.stop();
      await api.close();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A signed bundle from entries (a real component, a manifest, a UI). */
export function signedBundle(entries: readonly RawEntry[]): TestBundle {
  const bytes = bundleOf(entries);
  const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
  const signer = testTrust().publisher;
  const envelope = signBundle({ contentHash, privateKeyPem: signer.keyPem, certificatesPem: signer.certificatePem });
  return { bytes, contentHash, signature: JSON.stringify(envelope) };
}

/** Uploads and finalizes a bundle; returns the version's content hash. */
export async function publish(api: ApiHarness, bundle: TestBundle): Promise<string> {
  const { uploadId } = await uploadViaProxy(api, bundle);
  const finalized = await api.request<{ version: { contentHash: string } }>('POST', '/api/ext-bundles/finalize', {
    json: { uploadId, signature: bundle.signature },
  });
  if (finalized.status !== 200 && finalized.status !== 201) {
    throw new Error(`finalize failed: ${finalized.status} ${JSON.stringify(finalized.body)}`);
  }
  return finalized.body.version.contentHash;
}

/** A tenant and a signed-in user of `role` in it. */
export async function tenantUser(
  api: ApiHarness,
  slug: string,
  role: 'tenant-admin' | 'member',
  tenantId?: string,
): Promise<{ tenantId: string; token: string; userId: string; email: string; password: string }> {
  const id =
    tenantId ?? (await api.request<{ id: string }>('POST', '/api/tenants', { json: { slug, name: slug } })).body.id;
  const email = `${role}-${randomBytes(4).toString('hex')}@example.test`;
  const password = 'a long enough password';
  const created = await api.request<{ id: string }>('POST', '/api/users', {
    json: { email, password, role, tenantId: id },
  });
  if (created.status !== 201) throw new Error(`user creation failed: ${JSON.stringify(created.body)}`);
  const login = await api.request<{ accessToken: string }>('POST', '/api/auth/login', {
    token: null,
    json: { email, password },
  });
  return { tenantId: id, token: login.body.accessToken, userId: created.body.id, email, password };
}

const EXTCTL = fileURLToPath(new URL('../../cli/bin/extctl.js', import.meta.url));

/** Runs the built `extctl` in `cwd` and resolves to its stdout (rejects on a non-zero exit). */
export function extctl(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [EXTCTL, ...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`extctl ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/**
 * The template extension as a developer makes it: `extctl init` in `work`, an optional edit of the
 * project (the manifest's egress, extra files), then `build`, `pack` and `sign` with the test publisher.
 */
export async function templateBundle(
  work: string,
  name: string,
  edit: (project: string) => void = () => undefined,
): Promise<{ project: string; bundle: string; signature: string }> {
  await extctl(work, 'init', name, '--publisher', 'example');
  const project = join(work, name);
  edit(project);
  await extctl(project, 'build');
  await extctl(project, 'pack', '.', '-o', 'bundle.tar.zst');
  const { publisher } = testTrust();
  writeFileSync(join(work, `${name}.key`), publisher.keyPem, { mode: 0o600 });
  writeFileSync(join(work, `${name}.pem`), publisher.certificatePem);
  await extctl(
    project,
    'sign',
    'bundle.tar.zst',
    '--key',
    join(work, `${name}.key`),
    '--cert',
    join(work, `${name}.pem`),
  );
  return { project, bundle: join(project, 'bundle.tar.zst'), signature: join(project, 'bundle.tar.zst.sig') };
}
