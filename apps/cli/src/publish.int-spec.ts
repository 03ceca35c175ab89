import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createDevCa, issuePublisherCertificate, signBundle, type KeyAndCertificate } from '@extplat/signing';
import {
  bundleOf,
  createTestBucket,
  createTestDatabase,
  manifestFor,
  startService,
  validEntries,
  type RunningService,
  type TestBucket,
  type TestDatabase,
  s3StorageEnv,
} from '@extplat/testing';
import type { UploadedPart } from '@extplat/api-client';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { main } from './main.js';
import { readUploadState, statePathFor } from './publish/upload-state.js';

const MIB = 1024 * 1024;
const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery staple';
// The built API, run as production runs it (the test command builds it first).
const apiEntry = fileURLToPath(new URL('../../api/dist/main.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * extctl against a real API process on a real PostgreSQL and a real S3 server (Ceph RGW or MinIO):
 * publish over presigned part URLs and through the API, resume after Ctrl-C, abort, the error exits,
 * and the tenant admin's install, enable, disable, upgrade and secret commands.
 */
describe('extctl against the API', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let api: RunningService;
  let ca: KeyAndCertificate;
  let publisher: KeyAndCertificate;
  let intruder: KeyAndCertificate;
  let adminKey: string;
  const work = mkdtempSync(join(tmpdir(), 'extctl-publish-'));

  /** Calls the API directly, for setup and for checking what extctl did. */
  async function http<T>(method: string, path: string, token: string, json?: unknown): Promise<T> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
      body: json ? JSON.stringify(json) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function extctl(
    args: string[],
    options: { key?: string; stdin?: Readable; signal?: AbortSignal; afterPart?: (part: UploadedPart) => void } = {},
  ): Promise<Run> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const context: Partial<CliContext> = {
      env: { EXTCTL_API_URL: api.url, EXTCTL_API_KEY: options.key ?? adminKey },
      stdin: options.stdin ?? Readable.from([]),
      progressIntervalMs: 0,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.afterPart ? { hooks: { afterPart: options.afterPart } } : {}),
    };
    const code = await main(['node', 'extctl', ...args], { stdout, stderr }, context);
    // The key must never show, whatever happened.
    expect(out + err).not.toContain(options.key ?? adminKey);
    return { code, stdout: out, stderr: err };
  }

  /** Writes a signed bundle (payloadBytes of random data make it span several 5 MiB parts). */
  function writeBundle(
    name: string,
    manifest: Record<string, unknown>,
    options: { payloadBytes?: number; signer?: KeyAndCertificate } = {},
  ): { file: string; contentHash: string } {
    const bytes = bundleOf([
      ...validEntries(manifest),
      ...(options.payloadBytes ? [{ name: 'ui/payload.bin', data: randomBytes(options.payloadBytes) }] : []),
    ]);
    const file = join(work, name);
    writeFileSync(file, bytes);
    const contentHash = `sha256:${createHash('sha256').update(bytes).digest('hex')}` as const;
    const signer = options.signer ?? publisher;
    const envelope = signBundle({ contentHash, privateKeyPem: signer.keyPem, certificatesPem: signer.certificatePem });
    writeFileSync(`${file}.sig`, JSON.stringify(envelope));
    return { file, contentHash };
  }

  /** A publish stopped after its first part, as Ctrl-C stops it. */
  async function interruptedPublish(file: string): Promise<Run> {
    const controller = new AbortController();
    return extctl(['--json', 'publish', file, '--parallel', '1'], {
      signal: controller.signal,
      afterPart: () => controller.abort(),
    });
  }

  const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;

  beforeAll(async () => {
    [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
    ca = createDevCa({ commonName: 'extctl test CA', validDays: 30, keyBits: 2048 });
    publisher = issuePublisherCertificate({ ca, publisher: 'example', validDays: 30, keyBits: 2048 });
    intruder = issuePublisherCertificate({ ca, publisher: 'intruder', validDays: 30, keyBits: 2048 });
    api = await startService(apiEntry, {
      DATABASE_URL: database.url,
      ...s3StorageEnv(bucket),
      SIGNING_POLICY: 'enforce',
      SIGNING_TRUST_BUNDLE: ca.certificatePem,
      RUNNER_SHARED_SECRET: 'r'.repeat(32),
      EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
      AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      UPLOAD_PART_SIZE_BYTES: String(5 * MIB),
      UPLOAD_RATE_LIMIT_PER_MINUTE: '100000',
      API_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const login = await fetch(`${api.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    adminKey = (
      await http<{ key: string }>('POST', '/api/api-keys', accessToken, { name: 'ci', role: 'platform-admin' })
    ).key;
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await Promise.all([database?.drop(), bucket?.destroy()]);
    rmSync(work, { recursive: true, force: true });
  });

  describe('publish', () => {
    let first: { file: string; contentHash: string };

    it('uploads a bundle in parts straight to S3, with progress lines, and prints the version', async () => {
      first = writeBundle('tickets-1.0.0.tar.zst', manifestFor({ version: '1.0.0' }), { payloadBytes: 12 * MIB });
      const run = await extctl(['publish', first.file]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('published: com.example.tickets 1.0.0');
      expect(run.stdout).toContain(`content hash  ${first.contentHash}`);
      expect(run.stdout).toMatch(/signature {5}verified, signer example \(policy enforce\)/);
      expect(run.stdout).toContain('upload        presigned-multipart, 3 of 3 parts sent');
      // Off a terminal: plain lines (no carriage returns), with bytes, percent, speed and time left.
      expect(run.stderr).not.toContain('\r');
      const lines = run.stderr.split('\n').filter((line) => /^upload: .* of 12\.\d MiB \(\d+%\), .*\/s, /.test(line));
      expect(lines.length).toBeGreaterThan(2);
      expect(run.stderr).toMatch(/upload: 12\.\d MiB sent in \d+ s/);
      expect(existsSync(statePathFor(first.file))).toBe(false);
      const version = await http<{ contentHash: string; signatureStatus: string }>(
        'GET',
        '/api/extensions/com.example.tickets/versions/1.0.0',
        adminKey,
      );
      expect(version).toMatchObject({ contentHash: first.contentHash, signatureStatus: 'verified' });
    }, 120_000);

    it('finds identical content registered already and uploads nothing', async () => {
      const run = await extctl(['--json', 'publish', first.file]);
      expect(run.code).toBe(0);
      expect(json(run)).toMatchObject({
        status: 'exists',
        created: false,
        extension: 'com.example.tickets',
        version: '1.0.0',
        contentHash: first.contentHash,
      });
      const human = await extctl(['publish', first.file]);
      expect(human.stdout).toContain('already registered: com.example.tickets 1.0.0 has exactly this content');
    });

    it('sends the parts through the API with --strategy proxy', async () => {
      const bundle = writeBundle('tickets-1.0.1.tar.zst', manifestFor({ version: '1.0.1' }), { payloadBytes: 6 * MIB });
      const run = await extctl(['--json', 'publish', bundle.file, '--strategy', 'proxy']);
      expect(run.code).toBe(0);
      expect(json(run)).toEqual({
        status: 'published',
        created: true,
        extension: 'com.example.tickets',
        version: '1.0.1',
        contentHash: bundle.contentHash,
        size: expect.any(Number),
        versionStatus: 'published',
        signature: { status: 'verified', policy: 'enforce', signer: 'example' },
        publishedAt: expect.any(String),
        upload: {
          uploadId: expect.any(String),
          strategy: 'proxy',
          partCount: 2,
          partsSent: 2,
          resumed: false,
          seconds: expect.any(Number),
        },
      });
    }, 60_000);

    it('exits with the signature status and names the failed check', async () => {
      const bundle = writeBundle('tickets-2.0.0.tar.zst', manifestFor({ version: '2.0.0' }), { signer: intruder });
      const run = await extctl(['--json', 'publish', bundle.file]);
      expect(run.code).toBe(ExitCode.SIGNATURE);
      const { error } = json<{ error: { code: string; message: string; details: Record<string, unknown> } }>(run);
      expect(error.code).toBe('PUBLISHER_MISMATCH');
      expect(error.message).toMatch(/failed check: publisher/);
      // The server ended the upload; nothing is left to resume.
      expect(existsSync(statePathFor(bundle.file))).toBe(false);
    });

    it('lists the manifest issues with their paths', async () => {
      const manifest = manifestFor({ version: '2.1.0', capabilities: ['cap:teleport'] });
      const bundle = writeBundle('tickets-2.1.0.tar.zst', manifest);
      const run = await extctl(['--json', 'publish', bundle.file]);
      expect(run.code).toBe(ExitCode.INVALID_MANIFEST);
      const { error } = json<{ error: { code: string; details: { issues: { path: string }[] } } }>(run);
      expect(error.code).toBe('INVALID_MANIFEST');
      expect(error.details.issues.map((issue) => issue.path)).toContain('capabilities[0]');

      const human = await extctl(['publish', bundle.file]);
      expect(human.code).toBe(ExitCode.INVALID_MANIFEST);
      expect(human.stderr).toMatch(/extctl: finalize: .*\(INVALID_MANIFEST\)\n(.|\n)* {2}capabilities\[0\]: /);
    });

    it('refuses other content under a published version with the conflict status', async () => {
      const bundle = writeBundle(
        'tickets-1.0.0-other.tar.zst',
        manifestFor({ version: '1.0.0', displayName: 'Other' }),
      );
      const run = await extctl(['--json', 'publish', bundle.file]);
      expect(run.code).toBe(ExitCode.CONFLICT);
      expect(json<{ error: { code: string } }>(run).error.code).toBe('VERSION_EXISTS');
    });

    it('refuses a key that may not publish, and an unknown key, with the auth status', async () => {
      const bundle = writeBundle('tickets-9.0.0.tar.zst', manifestFor({ version: '9.0.0' }));
      // A real key whose role may not publish: a tenant admin's.
      const tenant = await http<{ id: string }>('POST', '/api/tenants', adminKey, { slug: 'no-publish', name: 'N' });
      const tenantAdminKey = (
        await http<{ key: string }>('POST', '/api/api-keys', adminKey, {
          name: 'no-publish',
          role: 'tenant-admin',
          tenantId: tenant.id,
        })
      ).key;
      const forbidden = await extctl(['--json', 'publish', bundle.file], { key: tenantAdminKey });
      expect(forbidden.code).toBe(ExitCode.AUTH);
      expect(json<{ error: { code: string } }>(forbidden).error.code).toBe('FORBIDDEN');
      const unknown = await extctl(['--json', 'publish', bundle.file], { key: 'extplat_nope_nope' });
      expect(unknown.code).toBe(ExitCode.AUTH);
      expect(json<{ error: { code: string } }>(unknown).error.code).toBe('UNAUTHENTICATED');
    });

    it('leaves the state after Ctrl-C, and --resume sends only the missing parts', async () => {
      const bundle = writeBundle('tickets-3.0.0.tar.zst', manifestFor({ version: '3.0.0' }), {
        payloadBytes: 12 * MIB,
      });
      const stopped = await interruptedPublish(bundle.file);
      expect(stopped.code).toBe(ExitCode.INTERRUPTED);
      const { error } = json<{ error: { code: string; message: string; details: { uploadId: string } } }>(stopped);
      expect(error.code).toBe('INTERRUPTED');
      expect(error.message).toContain(`1 of 3 parts are stored: continue with extctl publish ${bundle.file} --resume`);
      const state = await readUploadState(statePathFor(bundle.file));
      expect(state).toMatchObject({ uploadId: error.details.uploadId, partCount: 3, contentHash: bundle.contentHash });
      expect(state?.parts.map((part) => part.partNumber)).toEqual([1]);
      expect(readFileSync(statePathFor(bundle.file), 'utf8')).not.toContain(adminKey);
      const onServer = await http<{ parts: { partNumber: number }[] }>(
        'GET',
        `/api/ext-bundles/uploads/${error.details.uploadId}`,
        adminKey,
      );
      expect(onServer.parts.map((part) => part.partNumber)).toEqual([1]);

      // Publishing again without --resume would start a second upload: refused.
      const again = await extctl(['--json', 'publish', bundle.file]);
      expect(again.code).toBe(ExitCode.EXISTS);
      expect(json<{ error: { code: string } }>(again).error.code).toBe('UPLOAD_IN_PROGRESS');

      // The recorded upload does not fit other bytes.
      const other = writeBundle('changed.tar.zst', manifestFor({ version: '3.0.0' }));
      copyFileSync(statePathFor(bundle.file), statePathFor(other.file));
      const changed = await extctl(['--json', 'publish', other.file, '--resume']);
      expect(changed.code).toBe(ExitCode.INPUT);
      expect(json<{ error: { code: string } }>(changed).error.code).toBe('BUNDLE_CHANGED');
      rmSync(statePathFor(other.file));

      const sent: number[] = [];
      const resumed = await extctl(['--json', 'publish', bundle.file, '--resume'], {
        afterPart: (part) => sent.push(part.partNumber),
      });
      expect(resumed.code).toBe(0);
      expect(sent.sort()).toEqual([2, 3]);
      expect(json(resumed)).toMatchObject({
        status: 'published',
        version: '3.0.0',
        contentHash: bundle.contentHash,
        upload: { partsSent: 2, partCount: 3, resumed: true },
      });
      expect(existsSync(statePathFor(bundle.file))).toBe(false);
    }, 120_000);

    it('resumes on the same API written with or without /api, and refuses another API', async () => {
      const stopAfterFirstPart = async (file: string, apiUrl: string): Promise<void> => {
        const controller = new AbortController();
        const run = await extctl(['--json', 'publish', file, '--parallel', '1', '--api', apiUrl], {
          signal: controller.signal,
          afterPart: () => controller.abort(),
        });
        expect(run.code).toBe(ExitCode.INTERRUPTED);
      };
      const legacy = writeBundle('tickets-5.0.0.tar.zst', manifestFor({ version: '5.0.0' }), { payloadBytes: 6 * MIB });
      await stopAfterFirstPart(legacy.file, `${api.url}/api`);
      const statePath = statePathFor(legacy.file);
      const recorded = (await readUploadState(statePath))!;
      expect(recorded.api).toBe(api.url);
      // As an extctl from before /api was normalised away recorded it: still the same API.
      writeFileSync(statePath, JSON.stringify({ ...recorded, api: `${api.url}/api/` }));

      const resumed = await extctl(['--json', 'publish', legacy.file, '--resume', '--api', api.url]);
      expect(json(resumed)).toMatchObject({ status: 'published', version: '5.0.0', upload: { resumed: true } });
      expect(resumed.code).toBe(0);

      const plain = writeBundle('tickets-5.0.1.tar.zst', manifestFor({ version: '5.0.1' }), { payloadBytes: 6 * MIB });
      await stopAfterFirstPart(plain.file, api.url);
      const elsewhere = await extctl(['--json', 'publish', plain.file, '--resume', '--api', 'http://127.0.0.1:1/api']);
      expect(elsewhere.code).toBe(ExitCode.USAGE);
      expect(json<{ error: { code: string; message: string } }>(elsewhere).error).toEqual({
        code: 'API_MISMATCH',
        message: `the upload in ${statePathFor(plain.file)} belongs to ${api.url}, not http://127.0.0.1:1`,
      });
      const viaApiPath = await extctl(['--json', 'publish', plain.file, '--resume', '--api', `${api.url}/api/`]);
      expect(viaApiPath.code).toBe(0);
      expect(json(viaApiPath)).toMatchObject({ status: 'published', version: '5.0.1', upload: { resumed: true } });
    }, 120_000);

    it('aborts a recorded upload on the server with --abort', async () => {
      const bundle = writeBundle('tickets-4.0.0.tar.zst', manifestFor({ version: '4.0.0' }), { payloadBytes: 6 * MIB });
      const stopped = await interruptedPublish(bundle.file);
      expect(stopped.code).toBe(ExitCode.INTERRUPTED);
      const { uploadId } = json<{ error: { details: { uploadId: string } } }>(stopped).error.details;
      const aborted = await extctl(['--json', 'publish', bundle.file, '--abort']);
      expect(aborted.code).toBe(0);
      expect(json(aborted)).toMatchObject({ uploadId, state: 'aborted', removed: true });
      expect(existsSync(statePathFor(bundle.file))).toBe(false);
      const status = await fetch(`${api.url}/api/ext-bundles/uploads/${uploadId}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(status.status).toBe(404);
      const nothing = await extctl(['--json', 'publish', bundle.file, '--abort']);
      expect(nothing.code).toBe(ExitCode.INPUT);
    }, 60_000);
  });

  describe('install, enable, disable, versions, upgrade', () => {
    let tenantKey: string;
    let tenantId: string;
    const crm = (version: string, overrides: Record<string, unknown> = {}): Record<string, unknown> =>
      manifestFor({
        name: 'com.example.crm',
        version,
        config: { type: 'object', properties: { region: { type: 'string' } }, required: ['region'] },
        ...overrides,
      });

    beforeAll(async () => {
      for (const bundle of [
        writeBundle('crm-1.0.0.tar.zst', crm('1.0.0')),
        writeBundle(
          'crm-1.1.0.tar.zst',
          crm('1.1.0', {
            capabilities: ['cap:log.emit', 'cap:context.read', 'cap:http.fetch'],
            egress: ['https://api.example.com'],
          }),
        ),
      ]) {
        const run = await extctl(['publish', bundle.file]);
        if (run.code !== 0) throw new Error(`publishing ${bundle.file} failed: ${run.stderr}`);
      }
      tenantId = (await http<{ id: string }>('POST', '/api/tenants', adminKey, { slug: 'acme', name: 'Acme' })).id;
      tenantKey = (
        await http<{ key: string }>('POST', '/api/api-keys', adminKey, {
          name: 'acme-admin',
          role: 'tenant-admin',
          tenantId,
        })
      ).key;
    }, 60_000);

    type InstallView = {
      id: string;
      enabled: boolean;
      version: string;
      extension: { name: string };
      secrets: { name: string }[];
    };
    const installs = async (): Promise<InstallView[]> =>
      (await http<{ items: InstallView[] }>('GET', '/api/installs', tenantKey)).items;

    it('lists the versions in a table', async () => {
      const run = await extctl(['versions', 'com.example.crm'], { key: tenantKey });
      expect(run.code).toBe(0);
      const [header, ...rows] = run.stdout.trim().split('\n');
      expect(header).toMatch(/^VERSION +STATUS +SIGNATURE +PUBLISHED +CONTENT HASH$/);
      expect(rows.map((row) => row.split(/ +/)[0]).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(rows[0]).toMatch(/published +verified \(example\) +\d{4}-\d\d-\d\d \d\d:\d\dZ +sha256:[0-9a-f]{64}$/);
      const missing = await extctl(['versions', 'com.example.nothing'], { key: tenantKey });
      expect(missing.code).toBe(ExitCode.NOT_FOUND);
    });

    it('installs with explicit grants and a config, and prints the grant report', async () => {
      const run = await extctl(
        [
          '--json',
          'install',
          'com.example.crm',
          '1.0.0',
          '--grant-capability',
          'cap:log.emit',
          '--config-json',
          '{"region":"eu"}',
        ],
        { key: tenantKey },
      );
      expect(run.code).toBe(0);
      expect(json(run)).toMatchObject({
        tenantId,
        version: '1.0.0',
        enabled: false,
        config: { region: 'eu' },
        capabilities: { granted: ['cap:log.emit'] },
        grantReport: { notGranted: { capabilities: ['cap:context.read'], egress: [] } },
      });
      const again = await extctl(
        ['install', 'com.example.crm', '1.0.0', '--grant-none', '--config-json', '{"region":"eu"}'],
        { key: tenantKey },
      );
      expect(again.code).toBe(ExitCode.CONFLICT);
      expect(again.stderr).toContain('ALREADY_INSTALLED');
    });

    it('installs into a named tenant with a platform-admin key, refusing a config that breaks the schema', async () => {
      const other = (await http<{ id: string }>('POST', '/api/tenants', adminKey, { slug: 'globex', name: 'Globex' }))
        .id;
      const args = ['--json', 'install', 'com.example.crm', '1.0.0', '--tenant', other, '--grant-all'];
      const refused = await extctl([...args, '--config-json', '{"region":1}']);
      expect(refused.code).toBe(ExitCode.INVALID_REQUEST);
      const { error } = json<{ error: { code: string; details: { issues: { path: string }[] } } }>(refused);
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.details.issues.map((issue) => issue.path)).toEqual(['region']);
      const config = join(work, 'config.json');
      writeFileSync(config, '{"region":"us"}');
      const installed = await extctl([...args, '--config', config, '--enable']);
      expect(installed.code).toBe(0);
      expect(json(installed)).toMatchObject({
        tenantId: other,
        enabled: true,
        config: { region: 'us' },
        capabilities: { granted: ['cap:log.emit', 'cap:context.read'] },
      });
    });

    it('without a grant option, refuses off a terminal and asks at one; nothing is granted silently', async () => {
      const other = (await http<{ id: string }>('POST', '/api/tenants', adminKey, { slug: 'initech', name: 'I' })).id;
      const args = ['install', 'com.example.crm', '1.1.0', '--tenant', other, '--config-json', '{"region":"eu"}'];
      const refused = await extctl(['--json', ...args]);
      expect(refused.code).toBe(ExitCode.USAGE);
      expect(json(refused)).toMatchObject({
        error: {
          code: 'GRANT_REQUIRED',
          details: {
            requests: [
              { kind: 'capability', name: 'cap:log.emit', risk: 'low' },
              { kind: 'capability', name: 'cap:context.read', risk: 'low' },
              { kind: 'capability', name: 'cap:http.fetch', risk: 'medium' },
              { kind: 'egress', name: 'https://api.example.com', risk: 'medium' },
            ],
          },
        },
      });
      expect(json<{ error: { message: string } }>(refused).error.message).toContain(
        'cap:http.fetch: Send HTTP requests to the internet (medium risk)',
      );
      const tenantInstalls = async () =>
        (await http<{ items: unknown[] }>('GET', `/api/installs?tenantId=${other}`, adminKey)).items;
      expect(await tenantInstalls()).toEqual([]);

      // At a terminal: one question per request, in order; only "y" grants.
      const terminal = Object.assign(Readable.from(['y\n', 'n\n', 'yes\n', 'no\n']), { isTTY: true });
      const asked = await extctl(args, { stdin: terminal });
      expect(asked.code).toBe(0);
      expect(asked.stderr).toContain('grant cap:http.fetch? [y/N]');
      expect(asked.stderr).toContain('Send requests to api.example.com (medium risk)');
      const installed = await tenantInstalls();
      expect(installed).toEqual([
        expect.objectContaining({
          capabilities: expect.objectContaining({ granted: ['cap:log.emit', 'cap:http.fetch'] }),
          egress: expect.objectContaining({ granted: [] }),
        }),
      ]);
    });

    it('enables and disables by extension name', async () => {
      const enabled = await extctl(['enable', 'com.example.crm'], { key: tenantKey });
      expect(enabled.code).toBe(0);
      expect(enabled.stdout).toContain(`com.example.crm 1.0.0 is enabled in tenant ${tenantId}`);
      expect((await installs()).find((install) => install.extension.name === 'com.example.crm')?.enabled).toBe(true);
      const disabled = await extctl(['--json', 'disable', 'com.example.crm'], { key: tenantKey });
      expect(json(disabled)).toMatchObject({ enabled: false, extension: 'com.example.crm' });
      expect((await installs()).find((install) => install.extension.name === 'com.example.crm')?.enabled).toBe(false);
      const absent = await extctl(['enable', 'com.example.tickets'], { key: tenantKey });
      expect(absent.code).toBe(ExitCode.NOT_FOUND);
    });

    it('refuses an upgrade that needs approval, then upgrades with --approve', async () => {
      const refused = await extctl(['upgrade', 'com.example.crm', '1.1.0'], { key: tenantKey });
      expect(refused.code).toBe(ExitCode.APPROVAL_REQUIRED);
      expect(refused.stderr).toContain('com.example.crm: 1.0.0 -> 1.1.0 (upgrade)');
      expect(refused.stderr).toContain('+cap:http.fetch');
      expect(refused.stderr).toContain('+https://api.example.com');
      expect((await installs())[0]?.version).toBe('1.0.0');

      const approved = await extctl(['--json', 'upgrade', 'com.example.crm', '1.1.0', '--approve'], { key: tenantKey });
      expect(approved.code).toBe(0);
      const result = json<{
        install: { version: string; capabilities: { granted: string[] }; egress: { granted: string[] } };
      }>(approved);
      expect(result.install.version).toBe('1.1.0');
      expect(result.install.capabilities.granted).toEqual(expect.arrayContaining(['cap:log.emit', 'cap:http.fetch']));
      expect(result.install.egress.granted).toEqual(['https://api.example.com']);
    });

    it('sets a secret read from stdin', async () => {
      const run = await extctl(['secret', 'set', 'com.example.crm', 'API_TOKEN'], {
        key: tenantKey,
        stdin: Readable.from(['s3cret-value\n']),
      });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain('s3cret-value');
      expect((await installs())[0]?.secrets.map((secret) => secret.name)).toEqual(['API_TOKEN']);
    });
  });
});
