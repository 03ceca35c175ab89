import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { type INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { postgresOptions } from '@extplat/server-core';
import { type BundleStore, KeyPolicy, S3BundleStore } from '@extplat/storage';
import { createTestBucket, createTestDatabase, type TestBucket, type TestDatabase } from '@extplat/testing';
import { DataSource } from 'typeorm';
import { ApiModule } from '../app.module.js';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService } from '../audit/audit.service.js';
import { loadApiConfig } from '../config/api-config.js';
import { apiSchema } from '../schema.js';
import { DEFAULT_GC_OPTIONS, GC_OPTIONS } from './gc-options.js';
import { apiTestEnv } from '../../test/api-harness.js';
import { GcRepository } from './gc.repository.js';
import { type GcReport, GcService } from './gc.service.js';

// The built CLI, run as the operator runs it (npm test builds before testing).
const gcCli = fileURLToPath(new URL('../../dist/upload/gc-cli.js', import.meta.url));

const HOUR = 3600_000;

/** Runs the built CLI to completion with exactly this environment (plus PATH) and these arguments. */
async function runGcCli(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [gcCli, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
const keys = new KeyPolicy('sha256/', 'staging/');

type SessionState = 'initiated' | 'finalizing' | 'completed' | 'aborted' | 'expired';

interface SessionFixture {
  id?: string;
  state: SessionState;
  expiresAt: Date;
  leaseUntil?: Date | null;
  stagingKey?: string;
  s3UploadId?: string | null;
}

/**
 * The columns the sweeper relies on. The upload module's migration owns the real table; when it is not in
 * the migrated template yet, the test creates exactly these columns so it stays self-contained.
 */
async function ensureUploadSessionsTable(dataSource: DataSource): Promise<void> {
  const [row] = await dataSource.query<{ found: string | null }[]>(`SELECT to_regclass('upload_sessions') AS found`);
  if (row?.found) return;
  await dataSource.query(`
    CREATE TABLE upload_sessions (
      id uuid PRIMARY KEY,
      state text NOT NULL,
      strategy text NOT NULL,
      staging_key text,
      s3_upload_id text,
      expires_at timestamptz NOT NULL,
      lease_until timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/** A value for each other NOT NULL column without a default, so fixtures fit whatever else the table holds. */
async function fillerColumns(dataSource: DataSource): Promise<Record<string, unknown>> {
  const known = ['id', 'state', 'strategy', 'staging_key', 's3_upload_id', 'expires_at', 'lease_until', 'updated_at'];
  const columns: { column_name: string; data_type: string }[] = await dataSource.query(
    `SELECT column_name, data_type FROM information_schema.columns
     WHERE table_name = 'upload_sessions' AND is_nullable = 'NO' AND column_default IS NULL AND NOT (column_name = ANY($1))`,
    [known],
  );
  const byType: Record<string, unknown> = {
    text: 'gc-test',
    'character varying': 'gc-test',
    bigint: 5 * 1024 * 1024,
    integer: 1,
    'timestamp with time zone': new Date(),
    boolean: false,
    jsonb: '{}',
  };
  return Object.fromEntries(
    columns.map(({ column_name, data_type }) => {
      if (!(data_type in byType)) throw new Error(`no test value for upload_sessions.${column_name} (${data_type})`);
      return [column_name, byType[data_type]];
    }),
  );
}

describe('GC sweeper on a real PostgreSQL and a real S3 bucket', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let dataSource: DataSource;
  let store: BundleStore;
  let audit: AuditService;
  let gc: GcService;
  let filler: Record<string, unknown>;

  function newGc(source: DataSource): GcService {
    return new GcService(
      new GcRepository(source),
      store,
      keys,
      new AuditService(new AuditRepository(source)),
      DEFAULT_GC_OPTIONS,
    );
  }

  async function insertSession(fixture: SessionFixture): Promise<string> {
    const id = fixture.id ?? randomUUID();
    const values: Record<string, unknown> = {
      ...filler,
      id,
      state: fixture.state,
      strategy: fixture.s3UploadId ? 'presigned-multipart' : 'proxy',
      staging_key: fixture.stagingKey ?? keys.staging(id, 'bundle.tar.zst'),
      s3_upload_id: fixture.s3UploadId ?? null,
      expires_at: fixture.expiresAt,
      lease_until: fixture.leaseUntil ?? null,
    };
    const names = Object.keys(values);
    await dataSource.query(
      `INSERT INTO upload_sessions (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(values),
    );
    return id;
  }

  async function stateOf(id: string): Promise<string | undefined> {
    const [row] = await dataSource.query<{ state: string }[]>('SELECT state FROM upload_sessions WHERE id = $1', [id]);
    return row?.state;
  }

  async function stage(key: string, size = 64): Promise<string> {
    await store.put(key, randomBytes(size), { contentLength: size });
    return key;
  }

  async function exists(key: string): Promise<boolean> {
    return (await store.head(key)) !== null;
  }

  async function expireEvents(id: string): Promise<{ actor_kind: string | null; data: Record<string, unknown> }[]> {
    return dataSource.query(`SELECT actor_kind, data FROM audit_events WHERE type = 'upload.expire' AND subject = $1`, [
      `upload:${id}`,
    ]);
  }

  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * HOUR);

  beforeAll(async () => {
    // The services log through Nest's static logger; the reports and the assertions say it all here.
    Logger.overrideLogger(false);
    [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
    dataSource = await new DataSource(
      postgresOptions({ url: database.url, poolMax: 10, migrationsRun: false }, apiSchema),
    ).initialize();
    await ensureUploadSessionsTable(dataSource);
    filler = await fillerColumns(dataSource);
    store = new S3BundleStore({
      endpoint: bucket.s3.endpoint,
      region: bucket.s3.region,
      bucket: bucket.name,
      accessKeyId: bucket.s3.accessKeyId,
      secretAccessKey: bucket.s3.secretAccessKey,
      forcePathStyle: true,
    });
    audit = new AuditService(new AuditRepository(dataSource));
    gc = newGc(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await Promise.all([database?.drop(), bucket?.destroy()]);
  });

  it('expires an abandoned session: aborts its multipart upload, deletes its staging objects, records it', async () => {
    const id = randomUUID();
    const bundleKey = keys.staging(id, 'bundle.tar.zst');
    const { uploadId } = await store.createMultipartUpload(bundleKey);
    await store.uploadPart(bundleKey, uploadId, 1, randomBytes(1024), 1024);
    const staged = await stage(keys.staging(id, 'proxy-part-00001'));
    await insertSession({ id, state: 'initiated', expiresAt: hoursFromNow(-2), s3UploadId: uploadId });

    const preview = await gc.sweep({ dryRun: true });
    expect(preview).toMatchObject({ dryRun: true, failures: [] });
    expect(preview.expiredSessions).toContain(id);
    expect(preview.deletedStagingObjects).toContain(staged);
    expect(preview.abortedMultipart).toBeGreaterThanOrEqual(1);
    // A dry run changes nothing.
    expect(await stateOf(id)).toBe('initiated');
    expect(await store.listParts(bundleKey, uploadId)).toHaveLength(1);
    expect(await exists(staged)).toBe(true);
    expect(await expireEvents(id)).toEqual([]);

    const report = await gc.sweep({ dryRun: false });
    expect(report).toMatchObject({ dryRun: false, failures: [] });
    expect(report.expiredSessions).toContain(id);
    expect(report.deletedStagingObjects).toContain(staged);
    await expect(store.listParts(bundleKey, uploadId)).rejects.toMatchObject({ code: 'NO_SUCH_UPLOAD' });
    expect(await exists(staged)).toBe(false);
    expect(await stateOf(id)).toBe('expired');
    expect(await expireEvents(id)).toEqual([
      {
        actor_kind: null,
        data: expect.objectContaining({ previousState: 'initiated', abortedMultipart: true, deletedObjects: 1 }),
      },
    ]);
    expect((await audit.verifyChain()).ok).toBe(true);

    // Nothing left to do: a second sweep does not touch it again.
    expect((await gc.sweep({ dryRun: false })).expiredSessions).not.toContain(id);
    expect(await expireEvents(id)).toHaveLength(1);
  });

  it('leaves alone sessions that may still finish, and expires a finalize whose lease ran out', async () => {
    const notYetExpired = await insertSession({ state: 'initiated', expiresAt: hoursFromNow(1) });
    const withinGrace = await insertSession({ state: 'initiated', expiresAt: new Date(Date.now() - 10 * 60_000) });
    const leased = await insertSession({
      state: 'finalizing',
      expiresAt: hoursFromNow(-2),
      leaseUntil: hoursFromNow(0.1),
    });
    const leaseRanOut = await insertSession({
      state: 'finalizing',
      expiresAt: hoursFromNow(-2),
      leaseUntil: hoursFromNow(-0.1),
    });
    const completed = await insertSession({ state: 'completed', expiresAt: hoursFromNow(-2) });
    const kept = await Promise.all(
      [notYetExpired, withinGrace, leased].map((id) => stage(keys.staging(id, 'bundle.tar.zst'))),
    );

    const report = await gc.sweep({ dryRun: false });
    expect(report.expiredSessions).toContain(leaseRanOut);
    for (const id of [notYetExpired, withinGrace, leased, completed]) expect(report.expiredSessions).not.toContain(id);
    expect(await stateOf(notYetExpired)).toBe('initiated');
    expect(await stateOf(withinGrace)).toBe('initiated');
    expect(await stateOf(leased)).toBe('finalizing');
    expect(await stateOf(leaseRanOut)).toBe('expired');
    expect(await stateOf(completed)).toBe('completed');
    for (const key of kept) expect(await exists(key)).toBe(true);
    // Live sessions' objects are not even candidates.
    for (const key of kept) expect(report.skipped.map((note) => note.target)).not.toContain(key);
  });

  it('deletes unowned staging objects once older than the grace window, and keeps young ones', async () => {
    const noSession = await stage(keys.staging(randomUUID(), 'bundle.tar.zst'));
    const ofFinished = await Promise.all(
      (['completed', 'aborted', 'expired'] as const).map(async (state) => {
        const id = await insertSession({ state, expiresAt: hoursFromNow(-30) });
        return stage(keys.staging(id, 'bundle.tar.zst'));
      }),
    );
    // A staging key whose upload id is not the session id still belongs to that session.
    const otherId = `upload_${randomBytes(6).toString('hex')}`;
    const byStagingKey = await insertSession({
      state: 'initiated',
      expiresAt: hoursFromNow(24),
      stagingKey: keys.staging(otherId, 'bundle.tar.zst'),
    });
    const ofLive = await stage(keys.staging(otherId, 'bundle.tar.zst'));
    const offLayout = await stage(`staging/${randomUUID()}/nested/file.bin`);
    const orphans = [noSession, ...ofFinished];

    const young = await gc.sweep({ dryRun: false });
    expect(young.orphanedStagingObjects).toEqual([]);
    expect(young.skipped).toEqual(
      expect.arrayContaining(
        orphans.map((target) => ({ target, reason: 'unowned but younger than the grace window' })),
      ),
    );
    for (const key of [...orphans, ofLive, offLayout]) expect(await exists(key)).toBe(true);

    const later = hoursFromNow(2);
    const preview = await gc.sweep({ dryRun: true, now: later });
    expect(preview.orphanedStagingObjects.sort()).toEqual([...orphans].sort());
    for (const key of orphans) expect(await exists(key)).toBe(true);

    const report = await gc.sweep({ dryRun: false, now: later });
    expect(report.orphanedStagingObjects.sort()).toEqual([...orphans].sort());
    expect(report.skipped).toContainEqual({ target: offLayout, reason: 'not in the staging layout <uploadId>/<file>' });
    for (const key of orphans) expect(await exists(key)).toBe(false);
    expect(await exists(ofLive)).toBe(true);
    expect(await exists(offLayout)).toBe(true);
    expect(await stateOf(byStagingKey)).toBe('initiated');

    // A shorter grace window makes young objects eligible.
    const young2 = await stage(keys.staging(randomUUID(), 'bundle.tar.zst'));
    const withoutGrace = await gc.sweep({ dryRun: false, now: new Date(Date.now() + 5000), graceSeconds: 1 });
    expect(withoutGrace.orphanedStagingObjects).toEqual([young2]);
  });

  it('never lets two sweepers expire the same session', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const id = await insertSession({ state: 'initiated', expiresAt: hoursFromNow(-3) });
        await stage(keys.staging(id, 'bundle.tar.zst'));
        return id;
      }),
    );
    const otherInstance = await new DataSource(
      postgresOptions({ url: database.url, poolMax: 4, migrationsRun: false }, apiSchema),
    ).initialize();
    let reports: GcReport[];
    try {
      reports = await Promise.all([gc.sweep({ dryRun: false }), newGc(otherInstance).sweep({ dryRun: false })]);
    } finally {
      await otherInstance.destroy();
    }
    const [first, second] = reports.map((report) => report.expiredSessions.filter((id) => ids.includes(id)));
    expect([...(first ?? []), ...(second ?? [])].sort()).toEqual([...ids].sort());
    expect((first ?? []).filter((id) => second?.includes(id))).toEqual([]);
    for (const id of ids) expect(await expireEvents(id)).toHaveLength(1);
    expect((await audit.verifyChain()).ok).toBe(true);
  });

  it('skips a session whose row another transaction holds, and takes it once released', async () => {
    const id = await insertSession({ state: 'initiated', expiresAt: hoursFromNow(-3) });
    const holder = dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT id FROM upload_sessions WHERE id = $1 FOR UPDATE', [id]);
      expect((await gc.sweep({ dryRun: false })).expiredSessions).not.toContain(id);
      expect(await stateOf(id)).toBe('initiated');
      await holder.commitTransaction();
    } finally {
      await holder.release();
    }
    expect((await gc.sweep({ dryRun: false })).expiredSessions).toContain(id);
  });

  it('never touches a canonical object, however old it looks and whatever a session row says', async () => {
    const hex = randomBytes(32).toString('hex');
    const canonical = await Promise.all(
      (['bundle.tar.zst', 'manifest.json', 'signature.json'] as const).map((file) => stage(keys.canonical(hex, file))),
    );
    // A corrupt session that points at a canonical key, with a real multipart upload on it.
    const pendingKey = keys.canonical(randomBytes(32).toString('hex'), 'bundle.tar.zst');
    const { uploadId } = await store.createMultipartUpload(pendingKey);
    await store.uploadPart(pendingKey, uploadId, 1, randomBytes(256), 256);
    const corrupt = await insertSession({
      state: 'initiated',
      expiresAt: hoursFromNow(-48),
      stagingKey: pendingKey,
      s3UploadId: uploadId,
    });
    try {
      const report = await gc.sweep({
        dryRun: false,
        now: new Date(Date.now() + 10 * 365 * 24 * HOUR),
        graceSeconds: 0,
      });
      expect(report.failures).toContainEqual({
        target: `upload:${corrupt}`,
        reason: expect.stringMatching(/refuses to touch .* canonical key/),
      });
      const touched = [
        ...report.deletedStagingObjects,
        ...report.orphanedStagingObjects,
        ...report.skipped.map((n) => n.target),
      ];
      expect(touched.filter((key) => key.startsWith('sha256/'))).toEqual([]);
      for (const key of canonical) expect(await exists(key)).toBe(true);
      expect(await store.listParts(pendingKey, uploadId)).toHaveLength(1);
      expect(await stateOf(corrupt)).toBe('initiated');
    } finally {
      await dataSource.query(`UPDATE upload_sessions SET state = 'aborted' WHERE id = $1`, [corrupt]);
      await store.abortMultipartUpload(pendingKey, uploadId);
    }
  });

  describe('the command line (gc-cli)', () => {
    const cliEnv = (): Record<string, string> => apiTestEnv(database, bucket);

    it('previews with --dry-run, then sweeps, printing the report as JSON', async () => {
      const id = await insertSession({ state: 'initiated', expiresAt: hoursFromNow(-0.5) });
      const staged = await stage(keys.staging(id, 'bundle.tar.zst'));

      const preview = await runGcCli(cliEnv(), ['--dry-run', '--grace-seconds', '60']);
      expect(preview.code).toBe(0);
      const previewed = JSON.parse(preview.stdout) as GcReport;
      expect(previewed.dryRun).toBe(true);
      expect(previewed.expiredSessions).toContain(id);
      expect(previewed.deletedStagingObjects).toContain(staged);
      expect(await stateOf(id)).toBe('initiated');

      // Half an hour past expiry is still inside the default hour of grace.
      const defaultGrace = await runGcCli(cliEnv());
      expect(defaultGrace.code).toBe(0);
      expect((JSON.parse(defaultGrace.stdout) as GcReport).expiredSessions).not.toContain(id);
      expect(await stateOf(id)).toBe('initiated');

      const sweep = await runGcCli(cliEnv(), ['--grace-seconds', '60']);
      expect(sweep.code).toBe(0);
      const swept = JSON.parse(sweep.stdout) as GcReport;
      expect(swept).toMatchObject({ dryRun: false, failures: [] });
      expect(swept.expiredSessions).toContain(id);
      expect(await stateOf(id)).toBe('expired');
      expect(await exists(staged)).toBe(false);
    });

    it('refuses unknown arguments (64) and a bad configuration (78)', async () => {
      const usage = await runGcCli(cliEnv(), ['--grace-seconds', 'soon']);
      expect(usage.code).toBe(64);
      expect(usage.stderr).toContain('--grace-seconds must be a whole number');
      expect((await runGcCli(cliEnv(), ['--force'])).code).toBe(64);
      const config = await runGcCli({ ...cliEnv(), DATABASE_URL: '' });
      expect(config.code).toBe(78);
      expect(config.stderr).toContain('extplat-gc: Invalid configuration');
    });
  });

  describe('inside the API', () => {
    let app: INestApplication;

    afterAll(() => app?.close());

    it('sweeps periodically after bootstrap, with the wiring of ApiModule', async () => {
      const id = await insertSession({ state: 'initiated', expiresAt: hoursFromNow(-3) });
      const config = loadApiConfig({ ...apiTestEnv(database, bucket), DATABASE_MIGRATIONS_RUN: 'false' });
      const moduleRef = await Test.createTestingModule({ imports: [ApiModule.register(config)] })
        .overrideProvider(GC_OPTIONS)
        .useValue({ ...DEFAULT_GC_OPTIONS, initialDelayMs: 0, intervalMs: 100 })
        .compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();

      const deadline = Date.now() + 10_000;
      while ((await stateOf(id)) !== 'expired' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await stateOf(id)).toBe('expired');
      await app.close();
    });
  });
});
