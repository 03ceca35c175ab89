import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildTestComponent,
  createTestBucket,
  createTestDatabase,
  manifestFor,
  type RunningService,
  startService,
  type TestBucket,
  type TestDatabase,
} from '@extplat/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type ApiHarness, apiTestEnv, MIB, testTrust } from './api-harness.js';
import { type FuzzRequest, type OpenApiDocument, type Operation, operationsOf, requestFor } from './fuzz-requests.js';
import { publish, SHARED_SECRET, signedBundle } from './stack-harness.js';
import { apiResponseCheck, fetchApi } from './openapi-contract.js';

/**
 * The route fuzzer: for every operation of apps/api/openapi.json (and the gateway, which the document
 * leaves out), fast-check generates malformed requests and sends them as each of six principals to a real
 * API and Runner, each in its own process, on PostgreSQL and S3. Every answer must be below 500, every 4xx
 * must carry the standard error body, nothing may be logged at error level, and both processes must answer
 * their health check after each batch.
 *
 * FUZZ_RUNS_PER_OPERATION (default 30) sets the cases per operation, spread over the principals; FUZZ_SEED
 * replays a run (every failure report prints it); FUZZ_OPERATIONS ("PUT /api/installs/{installId}/config,...")
 * narrows a replay; FUZZ_GENERATORS_OFF names generator tags not to produce (`error-level-logs` switches off the log check).
 */

const RUNS_PER_OPERATION = Number(process.env['FUZZ_RUNS_PER_OPERATION'] ?? '30');
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const ONLY = process.env['FUZZ_OPERATIONS']
  ?.split(',')
  .map((entry) => entry.trim())
  .filter(Boolean);

const OFF = new Set(
  (process.env['FUZZ_GENERATORS_OFF'] ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean),
);

/** One request may take this long on a loaded machine; longer is a hang. */
const ANSWER_DEADLINE_MS = 30_000;

const API_ENTRY = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const RUNNER_ENTRY = fileURLToPath(new URL('../../runner/dist/main.js', import.meta.url));
const OPENAPI = fileURLToPath(new URL('../openapi.json', import.meta.url));
const PROBE_SOURCE = fileURLToPath(new URL('../../runner/test/guests/probe.js', import.meta.url));
const EXTENSION = 'com.example.probe';

type PrincipalName =
  | 'anonymous'
  | 'platform-admin-session'
  | 'platform-admin-key'
  | 'tenant-admin-session'
  | 'tenant-admin-key'
  | 'member-session';

/**
 * The document describes the gateway as a pattern (any path, any body); these are the endpoints the probe
 * extension declares, which the fuzzer sends to instead.
 */
const GATEWAY_OPERATIONS: Operation[] = [
  {
    method: 'GET',
    path: '/api/ext/{extensionId}/{endpoint}',
    parameters: [
      { name: 'extensionId', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'endpoint', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'name', in: 'query', schema: { type: 'string' } },
    ],
    bodyTypes: [],
  },
  {
    method: 'POST',
    path: '/api/ext/{extensionId}/echo',
    parameters: [{ name: 'extensionId', in: 'path', required: true, schema: { type: 'string' } }],
    bodyTypes: ['application/json'],
    bodySchema: { type: 'object', properties: { message: { type: 'string' }, count: { type: 'number' } } },
  },
];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a request byte for byte (fetch would normalise the path and refuse some headers). A server may
 * answer before it has read a (large or streamed) body and close the connection: the answer counts, and the
 * failed write of the rest does not; a connection closed on a body without any answer is `closed` (status 0).
 */
function send(base: string, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const body = request.body;
    let source: Readable | undefined;
    let answered = false;
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: request.headers,
        agent: false,
        timeout: ANSWER_DEADLINE_MS,
      },
      (res) => {
        answered = true;
        source?.destroy();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (body !== undefined && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) {
        resolve({ status: 0, headers: {}, body: 'closed' });
      } else reject(error);
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      // A chunked body (no Content-Length) of a given size, streamed: the part-size check must catch it.
      let left = body.chunkedBytes;
      source = Readable.from(
        (function* () {
          while (left > 0) {
            const size = Math.min(left, 64 * 1024);
            left -= size;
            yield Buffer.alloc(size, body.fill);
          }
        })(),
      );
      source.pipe(req);
    }
  });
}

/** What is wrong with an answer, or undefined when it is acceptable. */
function problemWith(answer: Answer): string | undefined {
  if (answer.status === 0) return undefined; // closed while the body was sent: refused, the health check follows
  if (answer.status >= 500) return `status ${answer.status}`;
  if (answer.status < 400) return undefined;
  // Node's HTTP server answers some requests itself before any application code runs (oversized headers:
  // 431, an `Expect` it does not know: 417), without a body or a request id.
  if (
    answer.body === '' &&
    answer.headers['x-request-id'] === undefined &&
    [400, 413, 417, 431].includes(answer.status)
  ) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return `status ${answer.status} without a JSON error body`;
  }
  const body = parsed as { error?: { code?: unknown; message?: unknown; details?: unknown }; requestId?: unknown };
  const error = body?.error;
  if (
    typeof error !== 'object' ||
    error === null ||
    typeof error.code !== 'string' ||
    !/^[A-Z][A-Z0-9_]*$/.test(error.code) ||
    typeof error.message !== 'string' ||
    typeof body.requestId !== 'string' ||
    (error.details !== undefined && (typeof error.details !== 'object' || error.details === null))
  ) {
    return `status ${answer.status} with a body not of the form {error:{code,message,details?},requestId}`;
  }
  return undefined;
}

/** What the OpenAPI document says against the answer (undocumented status, body off its schema), if anything. */
function contractProblem(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status === 0) return undefined;
  const contentType = answer.headers['content-type'];
  const problems = apiResponseCheck.problems({
    method: request.method,
    url: request.path,
    status: answer.status,
    contentType: typeof contentType === 'string' ? contentType : null,
    hasRequestId: answer.headers['x-request-id'] !== undefined,
    body: answer.body,
  });
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** A request as a failure report shows it: long values cut, so it can be read and rebuilt. */
function describeRequest(request: FuzzRequest): string {
  const cut = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}…(${text.length} chars)` : text);
  const body =
    request.body === undefined
      ? ''
      : Buffer.isBuffer(request.body)
        ? ` body=${cut(JSON.stringify(request.body.toString('latin1')))}`
        : ` body=<${request.body.chunkedBytes} chunked bytes>`;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      name,
      name === 'authorization' ? value.replace(/ .*/, ' …') : cut(value),
    ]),
  );
  return `${request.method} ${cut(request.path)} headers=${JSON.stringify(headers)}${body}`;
}

/** A stable per-batch seed, so a replay narrowed with FUZZ_OPERATIONS sends the same requests. */
function batchSeed(operation: Operation, principal: PrincipalName): number {
  return createHash('sha256')
    .update(`${SEED} ${operation.method} ${operation.path} ${principal}`)
    .digest()
    .readInt32BE(0);
}

/** A request client for the API process, shaped like the in-process harness so publish() can use it. */
function apiClient(base: string, database: TestDatabase, bucket: TestBucket | undefined): ApiHarness {
  const client: ApiHarness = {
    base,
    database,
    bucket,
    adminToken: '',
    request: async (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? client.adminToken : options.token;
      if (token) headers['authorization'] = `Bearer ${token}`;
      let body = options.body;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      const response = await fetchApi(`${base}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as never, headers: response.headers };
    },
    close: () => Promise.resolve(),
  };
  return client;
}

interface Failure {
  operation: string;
  principal: PrincipalName;
  problem: string;
  generators: readonly string[];
  request: string;
  requestId?: string;
}

// Storage drivers differ most in the upload paths (the fs driver reads a part before the store does), so the
// whole run goes over both; the Runner reads the same store as the API.
describe.each(['s3', 'fs'] as const)(
  'route fuzzer on the %s driver: malformed requests to every operation',
  (driver) => {
    let database: TestDatabase;
    let bucket: TestBucket | undefined;
    let runner: RunningService;
    let api: RunningService;
    let client: ApiHarness;
    let cacheDir: string | undefined;
    const principals = new Map<PrincipalName, string | undefined>();
    const fixtures: Record<string, string> = {};
    const operations: Operation[] = [];

    beforeAll(async () => {
      const document = JSON.parse(readFileSync(OPENAPI, 'utf8')) as OpenApiDocument;
      const all = [
        ...operationsOf(document).filter((operation) => !operation.path.startsWith('/api/ext/')),
        ...GATEWAY_OPERATIONS,
      ];
      operations.push(...all.filter((operation) => !ONLY || ONLY.includes(`${operation.method} ${operation.path}`)));
      if (operations.length === 0) throw new Error(`FUZZ_OPERATIONS matched nothing: ${ONLY?.join(', ')}`);

      const component = readFileSync(await buildTestComponent(PROBE_SOURCE));
      [database, bucket] = await Promise.all([
        createTestDatabase(),
        driver === 's3' ? createTestBucket() : Promise.resolve(undefined),
      ]);
      cacheDir = mkdtempSync(join(tmpdir(), 'extplat-fuzz-cache-'));
      const env = apiTestEnv(database, bucket);
      runner = await startService(RUNNER_ENTRY, {
        ...env,
        SIGNING_POLICY: 'enforce',
        SIGNING_TRUST_BUNDLE: testTrust().ca.certificatePem,
        RUNNER_SHARED_SECRET: SHARED_SECRET,
        RUNNER_HOST: '127.0.0.1',
        RUNNER_PORT: '0',
        RUNNER_CACHE_DIR: cacheDir,
        RUNNER_WORKERS: '1',
        EXT_EXECUTION_TIMEOUT_MS: '20000',
        LOG_LEVEL: 'info',
      });
      api = await startService(API_ENTRY, {
        ...env,
        SIGNING_POLICY: 'enforce',
        SIGNING_TRUST_BUNDLE: testTrust().ca.certificatePem,
        BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
        BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        UPLOAD_PART_SIZE_BYTES: String(5 * MIB),
        UPLOAD_RATE_LIMIT_PER_MINUTE: '1000000',
        EXT_GATEWAY_RATE_LIMIT_PER_MINUTE: '1000000',
        // A loaded machine compiles the component slowly on the first call; a 504 then is no finding.
        EXT_GATEWAY_TIMEOUT_MS: '30000',
        RUNNER_BASE_URL: runner.url,
        RUNNER_SHARED_SECRET: SHARED_SECRET,
        API_HOST: '127.0.0.1',
        API_PORT: '0',
        LOG_LEVEL: 'info',
      });
      client = apiClient(api.url, database, bucket);

      const login = async (email: string, password: string): Promise<string> => {
        const answer = await client.request<{ accessToken: string }>('POST', '/api/auth/login', {
          token: null,
          json: { email, password },
        });
        if (answer.status !== 200) throw new Error(`login of ${email} failed: ${answer.status}`);
        return answer.body.accessToken;
      };
      const created = async <T>(path: string, json: unknown): Promise<T> => {
        const answer = await client.request<T>('POST', path, { json });
        if (answer.status !== 201)
          throw new Error(`POST ${path} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
        return answer.body;
      };
      client.adminToken = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const tenant = await created<{ id: string }>('/api/tenants', { slug: 'acme', name: 'Acme' });
      const password = 'a long enough password';
      await created('/api/users', { email: 'ta@acme.test', password, role: 'tenant-admin', tenantId: tenant.id });
      await created('/api/users', { email: 'member@acme.test', password, role: 'member', tenantId: tenant.id });
      const platformKey = await created<{ key: string }>('/api/api-keys', { name: 'fuzz-pa', role: 'platform-admin' });
      const tenantKey = await created<{ key: string }>('/api/api-keys', {
        name: 'fuzz-ta',
        role: 'tenant-admin',
        tenantId: tenant.id,
      });
      const tenantAdminToken = await login('ta@acme.test', password);
      principals.set('anonymous', undefined);
      principals.set('platform-admin-session', `Bearer ${client.adminToken}`);
      principals.set('platform-admin-key', `Bearer ${platformKey.key}`);
      principals.set('tenant-admin-session', `Bearer ${tenantAdminToken}`);
      principals.set('tenant-admin-key', `Bearer ${tenantKey.key}`);
      principals.set('member-session', `Bearer ${await login('member@acme.test', password)}`);

      // A published, installed extension and an open upload, so valid ids lead past the lookups.
      const manifest = manifestFor({
        name: EXTENSION,
        version: '1.0.0',
        capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get'],
        api: {
          endpoints: [
            { method: 'GET', path: '/ping', handler: 'ping' },
            { method: 'GET', path: '/secret', handler: 'secret' },
            { method: 'POST', path: '/echo', handler: 'echo' },
          ],
        },
        config: {
          type: 'object',
          properties: { greeting: { type: 'string', default: 'hi', maxLength: 64 } },
          additionalProperties: false,
        },
      });
      await publish(
        client,
        signedBundle([
          { name: 'dist', type: 'directory' },
          { name: 'dist/main.wasm', data: component },
          { name: 'manifest.json', data: JSON.stringify(manifest) },
          { name: 'ui', type: 'directory' },
          { name: 'ui/index.html', data: '<!doctype html><title>probe</title>' },
        ]),
      );
      const install = await client.request<{ id: string }>('POST', '/api/installs', {
        token: tenantAdminToken,
        json: {
          extensionId: EXTENSION,
          version: '1.0.0',
          grant: { capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get'], egress: [] },
          enabled: true,
        },
      });
      if (install.status !== 201) throw new Error(`install failed: ${install.status} ${JSON.stringify(install.body)}`);
      const upload = await created<{ uploadId: string }>('/api/ext-bundles/initiate-upload', {
        filename: 'fuzz.tar.zst',
        size: 6 * MIB,
        preferredStrategy: 'proxy',
      });
      const ping = await fetchApi(`${api.url}/api/ext/${EXTENSION}/ping`, {
        headers: { authorization: principals.get('member-session')! },
      });
      if (ping.status !== 200) throw new Error(`the installed probe does not answer: ${ping.status}`);
      Object.assign(fixtures, {
        installId: install.body.id,
        uploadId: upload.uploadId,
        name: EXTENSION,
        extensionId: EXTENSION,
        version: '1.0.0',
        tenantId: tenant.id,
        endpoint: 'ping',
        filename: 'fuzz.tar.zst',
      });
    }, 180_000);

    afterAll(async () => {
      await api?.stop();
      await runner?.stop();
      await Promise.all([database?.drop(), bucket?.destroy()]);
      if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    });

    it('answers every generated request below 500, with the error body, and stays up', async () => {
      const started = Date.now();
      const failures: Failure[] = [];
      let cases = 0;
      let skipped = 0;
      const runsPerPrincipal = Math.max(1, Math.ceil(RUNS_PER_OPERATION / 6));
      let logsSeen = { api: api.logs.length, runner: runner.logs.length };
      let crash: string | undefined;
      let previous = '(none)';

      for (const operation of operations) {
        const label = `${operation.method} ${operation.path}`;
        for (const [principal, authorization] of principals) {
          const arbitrary = requestFor({ operation, fixtures: { values: fixtures }, authorization, off: OFF });
          await fc.assert(
            fc.asyncProperty(arbitrary, async (request) => {
              // A dead process answers nothing more; the health check below reports what killed it.
              if (crash) return;
              if (!request) {
                skipped++;
                return;
              }
              cases++;
              let problem: string | undefined;
              let requestId: string | undefined;
              try {
                const answer = await send(api.url, request);
                problem = problemWith(answer) ?? contractProblem(request, answer);
                const id = answer.headers['x-request-id'];
                requestId = typeof id === 'string' ? id : undefined;
              } catch (error) {
                problem = `no answer: ${(error as Error).message}`;
                const exited = api.exited() ?? runner.exited();
                if (exited) {
                  crash = `${exited} while answering ${describeRequest(request)}; the request before it: ${previous}`;
                  return;
                }
              }
              previous = describeRequest(request);
              if (problem) {
                failures.push({
                  operation: label,
                  principal,
                  problem,
                  generators: request.generators,
                  request: describeRequest(request),
                  requestId,
                });
              }
            }),
            { numRuns: runsPerPrincipal, seed: batchSeed(operation, principal) },
          );

          // After each batch: both processes up, and nothing they logged at error level (a client's mistake
          // is not the server's error).
          for (const [name, service] of [
            ['api', api],
            ['runner', runner],
          ] as const) {
            const health = await fetchApi(`${service.url}/healthz`).then(
              (response) => `${response.status}`,
              (error: Error) => `unreachable (${error.message})`,
            );
            const exit = service.exited();
            if (health !== '200' || exit) {
              const detail = exit
                ? `${crash ?? `exited with ${exit}`}\nstderr: ${service.stderr().slice(-2000)}`
                : `healthz ${health}`;
              throw new Error(
                `the ${name} is down after the batch ${label} as ${principal} (FUZZ_SEED=${SEED}, ${driver}): ` +
                  `${detail}\n` +
                  `failures so far:\n${report(failures)}`,
              );
            }
            const fresh = service.logs.slice(logsSeen[name]);
            for (const line of OFF.has('error-level-logs') ? [] : fresh.filter(atErrorLevel)) {
              failures.push({
                operation: label,
                principal,
                problem: `${name} logged at error level: ${String(line['msg']).slice(0, 120)}`,
                generators: [],
                request: JSON.stringify(line['err'] ?? line).slice(0, 300),
                requestId: typeof line['requestId'] === 'string' ? line['requestId'] : undefined,
              });
            }
          }
          logsSeen = { api: api.logs.length, runner: runner.logs.length };
        }
      }

      process.stderr.write(
        `[route-fuzz] ${driver}: ${cases} cases over ${operations.length} operations × ${principals.size} principals ` +
          `in ${Math.round((Date.now() - started) / 1000)} s, seed ${SEED}` +
          (OFF.size ? `, ${skipped} skipped (generators off: ${[...OFF].join(',')})` : '') +
          '\n',
      );
      expect(cases).toBeGreaterThanOrEqual(OFF.size ? 1 : operations.length * principals.size);
      if (failures.length) {
        throw new Error(`FUZZ_SEED=${SEED} (${driver}): ${failures.length} failing cases\n${report(failures)}`);
      }
    }, 1_800_000);
  },
);

/** pino writes the level as a label here ("error"); a number (50) where formatters are off. */
function atErrorLevel(line: Record<string, unknown>): boolean {
  const level = line['level'];
  return level === 'error' || level === 'fatal' || (typeof level === 'number' && level >= 50);
}

/** Failures grouped by class (operation, problem, main generator), with one example request each. */
function report(failures: Failure[]): string {
  const classes = new Map<string, { failure: Failure; count: number; principals: Set<string> }>();
  for (const failure of failures) {
    const key = `${failure.operation} | ${failure.problem} | ${failure.generators[0] ?? '-'}`;
    const entry = classes.get(key) ?? { failure, count: 0, principals: new Set<string>() };
    entry.count++;
    entry.principals.add(failure.principal);
    classes.set(key, entry);
  }
  return [...classes.entries()]
    .map(
      ([key, { failure, count, principals }]) =>
        `- ${key} ×${count} [${[...principals].join(', ')}] generators=${failure.generators.join(',')}\n` +
        `    e.g. ${failure.request}${failure.requestId ? ` (request ${failure.requestId})` : ''}`,
    )
    .join('\n');
}
