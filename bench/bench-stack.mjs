// The platform as the end-to-end benches run it: the API and Runners as their own processes
// (apps/*/dist/main.js, after npm run build:server) on a fresh database and bucket (bench-env.mjs), with a
// dev CA the servers trust, and the calls every such bench makes: sign in, create tenants and users,
// publish a signed bundle through the upload API, call a Runner directly, read a /metrics counter.
// One place, so the benches differ only in what they measure.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { signRunnerRequest } from '@extplat/server-core';
import { createDevCa, issuePublisherCertificate, signBundle } from '@extplat/signing';
import { buildTestComponent, bundleOf, startService } from '@extplat/testing';
import { templateManifest } from '../apps/cli/dist/commands/init.js';
import { benchServices } from './bench-env.mjs';

export const root = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));
export const SHARED_SECRET = 'r'.repeat(32);
const ADMIN = { email: 'bench@example.test', password: 'bench-password-123' };
const PASSWORD = 'a long enough password';
// Generous: on a machine shared with other work a boot can take far longer than usual.
const BOOT_TIMEOUT_MS = 180_000;

/** A port free right now, for a server the API must be told about before it starts. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Fresh services and a CA; `sharedEnv` goes to every server started (settings both sides must share).
 * Close it at the end: it stops the servers, drops the database and bucket and removes the caches.
 */
export async function benchStack({ name, sharedEnv = {} }) {
  const services = await benchServices();
  const ca = createDevCa({ commonName: 'bench CA', validDays: 2, keyBits: 2048 });
  const publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 2, keyBits: 2048 });
  const shared = {
    ...services.env,
    SIGNING_TRUST_BUNDLE: ca.certificatePem,
    RUNNER_SHARED_SECRET: SHARED_SECRET,
    // startService waits for the info-level "listening" line.
    LOG_LEVEL: 'info',
    ...sharedEnv,
  };
  // Replicas share these, as they must.
  const apiSecrets = {
    EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
  };
  const started = [];
  const cacheDirs = [];
  // A bench that dies on an error must not leave its servers running on a shared machine.
  process.once('exit', () => {
    for (const service of started) if (service.exited() === undefined) service.child.kill('SIGKILL');
  });

  async function startApi(env) {
    const service = await startService(
      root('apps/api/dist/main.js'),
      {
        ...shared,
        ...apiSecrets,
        API_PORT: '0',
        BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
        EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
        ...env,
      },
      BOOT_TIMEOUT_MS,
    );
    started.push(service);
    return service;
  }

  async function startRunner(runnerName, env = {}) {
    const cacheDir = `/tmp/extplat-bench-${name}-${services.run}-${runnerName}`;
    cacheDirs.push(cacheDir);
    const service = await startService(
      root('apps/runner/dist/main.js'),
      { ...shared, RUNNER_PORT: '0', RUNNER_CACHE_DIR: cacheDir, ...env },
      BOOT_TIMEOUT_MS,
    );
    started.push(service);
    return Object.assign(service, { cacheDir });
  }

  /** JSON calls to one API; throws on any status but 2xx. */
  function client(base) {
    async function api(method, path, token, json) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : null;
    }
    const login = async (email, password) =>
      (await api('POST', '/api/auth/login', null, { email, password })).accessToken;
    return {
      base,
      api,
      login,
      signInAdmin: () => login(ADMIN.email, ADMIN.password),
      /** A new user of a tenant (created when `tenantId` is absent), signed in. */
      async user(adminToken, slug, role, tenantId) {
        const id = tenantId ?? (await api('POST', '/api/tenants', adminToken, { slug, name: slug })).id;
        const email = `${role}@${slug}.test`;
        await api('POST', '/api/users', adminToken, { email, password: PASSWORD, role, tenantId: id });
        return { tenantId: id, token: await login(email, PASSWORD) };
      },
      /** Signs `entries` as the bench publisher and uploads them through the proxy strategy. */
      async publish(adminToken, entries) {
        const bytes = bundleOf(entries);
        const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        const envelope = signBundle({
          contentHash,
          privateKeyPem: publisher.keyPem,
          certificatesPem: publisher.certificatePem,
        });
        const initiated = await api('POST', '/api/ext-bundles/initiate-upload', adminToken, {
          filename: 'bundle.tar.zst',
          size: bytes.length,
          preferredStrategy: 'proxy',
        });
        for (let part = 1; part <= initiated.partCount; part++) {
          const slice = bytes.subarray((part - 1) * initiated.partSize, part * initiated.partSize);
          const answer = await fetch(
            `${base}/api/ext-bundles/upload-proxy?uploadId=${initiated.uploadId}&partNumber=${part}`,
            {
              method: 'PUT',
              headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/octet-stream' },
              body: slice,
            },
          );
          if (!answer.ok) throw new Error(`upload part ${part}: ${answer.status} ${await answer.text()}`);
        }
        await api('POST', '/api/ext-bundles/finalize', adminToken, {
          uploadId: initiated.uploadId,
          signature: JSON.stringify(envelope),
        });
        return { contentHash, bytes: bytes.length };
      },
    };
  }

  return {
    run: services.run,
    services,
    /** The .sig text of a bundle with this content hash, signed by the bench publisher the servers trust. */
    sign: (contentHash) =>
      JSON.stringify(
        signBundle({ contentHash, privateKeyPem: publisher.keyPem, certificatesPem: publisher.certificatePem }),
      ),
    startApi,
    startRunner,
    client,
    async close() {
      for (const service of started.reverse()) await service.stop();
      await services.close();
      for (const dir of cacheDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CLI template's bundle (GET /greeting) under another id and version; the component is built once. */
export async function templateEntries(extensionId, version, displayName = 'Bench') {
  const component = readFileSync(await buildTestComponent(root('apps/cli/template/src/handler.js')));
  const ui = (file) => readFileSync(root(`apps/cli/template/ui/${file}`));
  const manifest = { ...templateManifest(extensionId, 'example', displayName), version };
  return [
    { name: 'dist', type: 'directory' },
    { name: 'dist/main.wasm', data: component },
    { name: 'manifest.json', data: JSON.stringify(manifest) },
    { name: 'ui', type: 'directory' },
    ...['app.js', 'index.html', 'style.css'].map((file) => ({ name: `ui/${file}`, data: ui(file) })),
  ];
}

/**
 * The template's GET /greeting as the gateway would send it, straight to a Runner and timed by the caller:
 * both sides of a ratio pay the same transport.
 */
export async function executeTemplate(runner, { tenantId, extensionId, contentHash }) {
  const body = Buffer.from(
    JSON.stringify({
      claims: {
        requestId: randomBytes(8).toString('hex'),
        tenantId,
        installId: 'bench',
        extensionId,
        version: 'bench',
        contentHash,
        userId: null,
        handler: 'greeting',
        params: [],
        capabilities: ['cap:log.emit', 'cap:context.read'],
        egress: [],
        config: { greeting: 'Hi' },
        configVersion: 1,
        sealedSecrets: null,
        deadlineMs: 60_000,
      },
      request: { method: 'GET', path: '/greeting', query: [], headers: [], bodyB64: '' },
    }),
  );
  const begun = performance.now();
  const response = await fetch(`${runner.url}/v1/execute`, {
    method: 'POST',
    headers: { ...signRunnerRequest(SHARED_SECRET, body), 'content-type': 'application/json' },
    body,
  });
  const answer = await response.json();
  const ms = performance.now() - begun;
  if (response.status !== 200) throw new Error(`execute answered ${response.status}: ${JSON.stringify(answer)}`);
  return ms;
}

/** The sum of a Prometheus metric's samples whose line contains `labels`, from a /metrics URL. */
export async function metric(metricsUrl, name, labels = '') {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

export async function until(check, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value at percentile `p` (0-100) of unsorted `values`, nearest rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
