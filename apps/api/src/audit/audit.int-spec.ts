import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type INestApplication, Logger } from '@nestjs/common';
import { createRootLogger, DomainError, listen, postgresOptions } from '@extplat/server-core';
import { createTestDatabase, runToExit, type TestDatabase } from '@extplat/testing';
import { DataSource } from 'typeorm';
import { createApiApp } from '../app.js';
import type { Principal } from '../access/principal.js';
import { loadApiConfig } from '../config/api-config.js';
import { apiSchema } from '../schema.js';
import { auditEventHash, GENESIS_HASH } from './audit-chain.js';
import { AuditEventEntity } from './audit-event.entity.js';
import type { AuditEventInput } from './audit-event.js';
import type { AuditEventPageResponseDto } from './audit.dto.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { fetchApi } from '../../test/openapi-contract.js';

// The built CLI, run as `npm run audit:verify` runs it (npm test builds before testing).
const verifyChainCli = fileURLToPath(new URL('../../dist/audit/verify-chain.js', import.meta.url));

interface AuditRow {
  seq: string;
  type: string;
  subject: string | null;
  tenant_id: string | null;
  actor_kind: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

async function openDataSource(database: TestDatabase): Promise<DataSource> {
  const dataSource = new DataSource(
    postgresOptions({ url: database.url, poolMax: 10, migrationsRun: false }, apiSchema),
  );
  return dataSource.initialize();
}

async function allRows(dataSource: DataSource): Promise<AuditRow[]> {
  return dataSource.query('SELECT * FROM audit_events ORDER BY seq');
}

function principal(role: Principal['role'], tenantId: string | null): Principal {
  return { kind: 'user', id: randomUUID(), tenantId, role, name: `${role}@example.com` };
}

const platformAdmin = principal('platform-admin', null);

function event(overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    type: 'version.yank',
    actor: platformAdmin,
    outcome: 'success',
    subject: 'extension:com.acme.x@1.0.0',
    ...overrides,
  };
}

/** Lines logged through Nest's static logger, which the services use. */
const logged: { message: unknown; context?: string }[] = [];
Logger.overrideLogger({
  log: (message: unknown, context?: string) => logged.push({ message, context }),
  warn: () => undefined,
  error: () => undefined,
});

describe('the audit chain on a real PostgreSQL', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let audit: AuditService;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database);
    audit = new AuditService(new AuditRepository(dataSource));
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('links every event to the one before it, from the genesis hash, and verifies', async () => {
    // A chain of its own: the genesis link exists only in an empty table, whatever ran before.
    const ownDatabase = await createTestDatabase();
    const dataSource = await openDataSource(ownDatabase);
    try {
      await checkChainFromGenesis(dataSource, new AuditService(new AuditRepository(dataSource)));
    } finally {
      await dataSource.destroy();
      await ownDatabase.drop();
    }
  });

  async function checkChainFromGenesis(dataSource: DataSource, audit: AuditService): Promise<void> {
    await audit.record(
      event({ data: { contentHash: `sha256:${'a'.repeat(64)}`, at: new Date(0), nested: { b: 1, a: [2] } } }),
    );
    await audit.record(event({ type: 'upload.expire', actor: null, subject: 'upload:x', data: undefined }));
    await audit.record(event({ type: 'auth.login-failed', outcome: 'failure', subject: undefined }));

    const rows = await allRows(dataSource);
    expect(rows).toHaveLength(3);
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    expect(rows[1]?.prev_hash).toBe(rows[0]?.hash);
    expect(rows[2]?.prev_hash).toBe(rows[1]?.hash);
    expect(rows[0]?.data).toEqual({
      contentHash: `sha256:${'a'.repeat(64)}`,
      at: '1970-01-01T00:00:00.000Z',
      nested: { b: 1, a: [2] },
    });
    expect(rows[1]).toMatchObject({ actor_kind: null, data: {} });
    expect(rows[2]).toMatchObject({ subject: null });
    expect(await audit.verifyChain()).toEqual({ ok: true, checked: 3 });
  }

  it('logs one structured line per event, without the actor name', async () => {
    logged.length = 0;
    await audit.record(event({ subject: 'logged:1', data: { size: 10 } }));
    expect(logged).toEqual([
      {
        context: 'Audit',
        message: {
          msg: 'audit version.yank success',
          audit: {
            seq: expect.any(Number),
            id: expect.any(String),
            type: 'version.yank',
            outcome: 'success',
            actor: { kind: 'user', id: platformAdmin.id },
            tenantId: null,
            subject: 'logged:1',
            data: { size: 10 },
          },
        },
      },
    ]);
  });

  it("files an event under the actor's tenant unless told otherwise", async () => {
    const tenantId = randomUUID();
    const tenantAdmin = principal('tenant-admin', tenantId);
    await audit.record(event({ actor: tenantAdmin, subject: 'tenant-default:1' }));
    await audit.record(event({ actor: tenantAdmin, tenantId: null, subject: 'tenant-default:2' }));
    const rows: { subject: string; tenant_id: string | null }[] = await dataSource.query(
      `SELECT subject, tenant_id FROM audit_events WHERE subject LIKE 'tenant-default:%' ORDER BY seq`,
    );
    expect(rows).toEqual([
      { subject: 'tenant-default:1', tenant_id: tenantId },
      { subject: 'tenant-default:2', tenant_id: null },
    ]);
  });

  it('serialises 20 concurrent appends into one chain of 20 more links', async () => {
    const before = (await allRows(dataSource)).length;
    await Promise.all(Array.from({ length: 20 }, (_, index) => audit.record(event({ subject: `parallel:${index}` }))));
    const rows = await allRows(dataSource);
    expect(rows).toHaveLength(before + 20);
    expect(rows.filter((row) => row.subject?.startsWith('parallel:'))).toHaveLength(20);
    // No fork: every hash is the previous hash of exactly one later event.
    expect(new Set(rows.map((row) => row.prev_hash)).size).toBe(rows.length);
    expect(await audit.verifyChain({ pageSize: 7 })).toEqual({ ok: true, checked: rows.length });
  });

  it('appends a batch in the order given, interleaved safely with single appends', async () => {
    const before = (await allRows(dataSource)).length;
    logged.length = 0;
    const batch = Array.from({ length: 150 }, (_, index) => event({ subject: `batch:${index}` }));
    await Promise.all([
      audit.recordAll(batch.slice(0, 75)),
      audit.record(event({ subject: 'single:1' })),
      audit.recordAll(batch.slice(75)),
      audit.record(event({ subject: 'single:2' })),
    ]);
    const rows = await allRows(dataSource);
    expect(rows).toHaveLength(before + 152);
    // Each batch is one run of consecutive links in its own order (which batch went first is up to the lock).
    const subjects = rows.map((row) => row.subject);
    for (const half of [batch.slice(0, 75), batch.slice(75)]) {
      const start = subjects.indexOf(half[0]!.subject!);
      expect(subjects.slice(start, start + half.length)).toEqual(half.map((input) => input.subject));
    }
    // One log line per event, carrying the sequence number each got.
    const seqs = logged.map(({ message }) => (message as { audit: { seq: number } }).audit.seq);
    expect(new Set(seqs).size).toBe(152);
    expect(Math.min(...seqs)).toBe(Number(rows[before]?.seq));
    expect(await audit.verifyChain({ pageSize: 50 })).toEqual({ ok: true, checked: rows.length });
    // Nothing to write is no statement at all.
    await audit.recordAll([]);
    expect(await allRows(dataSource)).toHaveLength(rows.length);
  });

  it("commits and rolls back with the caller's transaction", async () => {
    const before = (await allRows(dataSource)).length;
    await expect(
      dataSource.transaction(async (manager) => {
        await audit.record(event({ subject: 'rolled-back' }), manager);
        throw new Error('the change failed after the event was recorded');
      }),
    ).rejects.toThrow('the change failed');
    await dataSource.transaction((manager) => audit.record(event({ subject: 'committed' }), manager));
    // A manager outside any transaction gets a transaction of its own.
    await audit.record(event({ subject: 'own-transaction' }), dataSource.manager);

    const rows = await allRows(dataSource);
    expect(rows).toHaveLength(before + 2);
    expect(rows.map((row) => row.subject)).not.toContain('rolled-back');
    expect(rows.slice(-2).map((row) => row.subject)).toEqual(['committed', 'own-transaction']);
    expect((await audit.verifyChain()).ok).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    // A row to change, so a row-level trigger would fire too.
    await audit.record(event({ subject: 'append-only:1' }));
    await expect(dataSource.query(`UPDATE audit_events SET outcome = 'failure'`)).rejects.toThrow(
      /audit_events is append-only: UPDATE is not allowed/,
    );
    await expect(dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(
      /audit_events is append-only: DELETE is not allowed/,
    );
    await expect(dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(
      /audit_events is append-only: TRUNCATE is not allowed/,
    );
    expect((await audit.verifyChain()).ok).toBe(true);
  });

  it('refuses a second event after the same one, so the chain cannot fork', async () => {
    await audit.record(event({ subject: 'fork:1' }));
    await audit.record(event({ subject: 'fork:2' }));
    const [last] = (await allRows(dataSource)).slice(-1);
    expect(last?.subject).toBe('fork:2');
    await expect(
      dataSource.query(
        `INSERT INTO audit_events (id, occurred_at, type, outcome, prev_hash, hash)
         VALUES ($1, now(), 'version.yank', 'success', $2, $3)`,
        [randomUUID(), last?.prev_hash, 'e'.repeat(64)],
      ),
    ).rejects.toThrow(/audit_events_prev_hash_key/);
  });

  describe('listing', () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const adminOfA = principal('tenant-admin', tenantA);
    const prefix = `list-${randomUUID().slice(0, 8)}:`;
    let sinceSecondHalf: string;

    beforeAll(async () => {
      await audit.record(event({ actor: adminOfA, subject: `${prefix}a1`, type: 'api-key.create' }));
      await audit.record(event({ actor: adminOfA, subject: `${prefix}a2`, type: 'api-key.revoke' }));
      await audit.record(event({ actor: null, tenantId: tenantB, subject: `${prefix}b1`, type: 'user.create' }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      sinceSecondHalf = new Date().toISOString();
      await audit.record(event({ actor: adminOfA, subject: `${prefix}a3`, type: 'api-key.create' }));
      await audit.record(event({ actor: null, tenantId: tenantB, subject: `${prefix}b2`, type: 'user.create' }));
      await audit.record(event({ subject: `${prefix}platform`, type: 'version.yank' }));
      await audit.record(event({ subject: `${prefix.slice(0, -1)}%_:literal`, type: 'version.yank' }));
    });

    const subjects = (page: AuditEventPageResponseDto) => page.items.map((item) => item.subject);

    it("shows a tenant admin only their own tenant's events, newest first", async () => {
      const page = await audit.list(adminOfA, { subject: prefix });
      expect(subjects(page)).toEqual([`${prefix}a3`, `${prefix}a2`, `${prefix}a1`]);
      expect(page.nextCursor).toBeNull();
    });

    it("refuses a tenant admin another tenant's events rather than answering with their own", async () => {
      await expect(audit.list(adminOfA, { subject: prefix, tenantId: tenantB })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(audit.list(adminOfA, { tenantId: tenantB })).rejects.toBeInstanceOf(DomainError);
      expect(subjects(await audit.list(adminOfA, { subject: prefix, tenantId: tenantA }))).toHaveLength(3);
    });

    it('shows a platform admin every tenant, or the one asked for', async () => {
      expect(subjects(await audit.list(platformAdmin, { subject: prefix }))).toEqual([
        `${prefix}platform`,
        `${prefix}b2`,
        `${prefix}a3`,
        `${prefix}b1`,
        `${prefix}a2`,
        `${prefix}a1`,
      ]);
      expect(subjects(await audit.list(platformAdmin, { subject: prefix, tenantId: tenantB }))).toEqual([
        `${prefix}b2`,
        `${prefix}b1`,
      ]);
    });

    it('pages with the cursor without skipping or repeating', async () => {
      const seen: (string | null)[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.list(platformAdmin, { subject: prefix, limit: 4, ...(cursor ? { cursor } : {}) });
        seen.push(...subjects(page));
        cursor = page.nextCursor ?? undefined;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(2);
      expect(seen).toEqual(subjects(await audit.list(platformAdmin, { subject: prefix, limit: 200 })));
    });

    it('filters by type and by time', async () => {
      expect(subjects(await audit.list(adminOfA, { subject: prefix, type: 'api-key.create' }))).toEqual([
        `${prefix}a3`,
        `${prefix}a1`,
      ]);
      expect(subjects(await audit.list(platformAdmin, { subject: prefix, since: sinceSecondHalf }))).toEqual([
        `${prefix}platform`,
        `${prefix}b2`,
        `${prefix}a3`,
      ]);
    });

    it('treats the subject as a literal prefix, LIKE wildcards included', async () => {
      const literal = `${prefix.slice(0, -1)}%_:`;
      expect(subjects(await audit.list(platformAdmin, { subject: literal }))).toEqual([`${literal}literal`]);
      expect(subjects(await audit.list(platformAdmin, { subject: `${prefix.slice(0, -1)}_` }))).toEqual([]);
    });

    it('answers response objects, not rows', async () => {
      const [item] = (await audit.list(adminOfA, { subject: `${prefix}a1` })).items;
      expect(item).toEqual({
        seq: expect.any(Number),
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        type: 'api-key.create',
        actor: { kind: 'user', id: adminOfA.id, name: adminOfA.name },
        tenantId: tenantA,
        subject: `${prefix}a1`,
        outcome: 'success',
        data: {},
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
  });
});

describe('a tampered audit chain', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let audit: AuditService;
  let rows: AuditRow[];

  /** What only the owner or a superuser can do: switch the append-only trigger off around a change. */
  async function tamper(sql: string, parameters: unknown[] = []): Promise<void> {
    await dataSource.transaction(async (manager) => {
      await manager.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only');
      await manager.query(sql, parameters);
      await manager.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only');
    });
  }

  const verifyCli = () => runToExit(verifyChainCli, { DATABASE_URL: database.url });

  // Each case tampers with a fresh chain of six events: none depends on what another changed or restored.
  beforeEach(async () => {
    database = await createTestDatabase();
    dataSource = await openDataSource(database);
    audit = new AuditService(new AuditRepository(dataSource));
    for (let index = 1; index <= 6; index += 1) {
      await audit.record(event({ subject: `tamper:${index}`, data: { index } }));
    }
    rows = await allRows(dataSource);
  });

  afterEach(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('verifies from the command line while intact (exit 0)', async () => {
    const result = await verifyCli();
    expect(result).toMatchObject({ code: 0, stdout: 'audit chain ok: 6 events verified\n' });
  });

  it('names the first event whose content was changed', async () => {
    const victim = rows[2];
    await tamper(`UPDATE audit_events SET data = '{"index": 99}' WHERE seq = $1`, [victim?.seq]);
    expect(await audit.verifyChain({ pageSize: 2 })).toEqual({
      ok: false,
      checked: 3,
      firstBadSeq: Number(victim?.seq),
      reason: 'hash does not match the content of the event',
    });

    const result = await verifyCli();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`audit chain BROKEN at seq ${victim?.seq}: hash does not match`);

    await tamper(`UPDATE audit_events SET data = $1::jsonb WHERE seq = $2`, [
      JSON.stringify(victim?.data),
      victim?.seq,
    ]);
    expect(await audit.verifyChain()).toEqual({ ok: true, checked: 6 });
  });

  it('notices an actor attached to an event that had none', async () => {
    await audit.record(event({ actor: null, subject: 'tamper:actorless' }));
    const [row] = (await allRows(dataSource)).slice(-1);
    await tamper(`UPDATE audit_events SET actor_kind = 'user', actor_id = 'u', actor_name = 'n' WHERE seq = $1`, [
      row?.seq,
    ]);
    expect(await audit.verifyChain()).toMatchObject({ ok: false, firstBadSeq: Number(row?.seq) });
    await tamper(`UPDATE audit_events SET actor_kind = NULL, actor_id = NULL, actor_name = NULL WHERE seq = $1`, [
      row?.seq,
    ]);
    expect((await audit.verifyChain()).ok).toBe(true);
  });

  it('names the event after a forged one whose hash was recomputed to match', async () => {
    const victim = await dataSource.getRepository(AuditEventEntity).findOneByOrFail({ seq: rows[1]?.seq ?? '' });
    const forged = { ...victim, data: { index: 42 } };
    const forgedHash = auditEventHash({
      ...forged,
      actor: { kind: forged.actorKind, id: forged.actorId, name: forged.actorName },
    });
    await tamper(`UPDATE audit_events SET data = '{"index": 42}', hash = $1 WHERE seq = $2`, [forgedHash, victim.seq]);
    expect(await audit.verifyChain()).toMatchObject({
      ok: false,
      firstBadSeq: Number(rows[2]?.seq),
      reason: expect.stringMatching(/^prev_hash does not match/),
    });
    await tamper(`UPDATE audit_events SET data = $1::jsonb, hash = $2 WHERE seq = $3`, [
      JSON.stringify(victim.data),
      victim.hash,
      victim.seq,
    ]);
    expect((await audit.verifyChain()).ok).toBe(true);
  });

  it('names the event after a removed one', async () => {
    await tamper(`DELETE FROM audit_events WHERE seq = $1`, [rows[3]?.seq]);
    expect(await audit.verifyChain()).toMatchObject({
      ok: false,
      checked: 4,
      firstBadSeq: Number(rows[4]?.seq),
      reason: expect.stringMatching(/^prev_hash does not match/),
    });
  });

  it('stops at configuration problems with exit status 78', async () => {
    const result = await runToExit(verifyChainCli, {});
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL: is required');
  });
});

describe('GET /api/audit', () => {
  const password = 'correct-horse-battery-staple';
  let database: TestDatabase;
  let app: INestApplication;
  let base: string;
  let tenantA: string;
  let tenantB: string;
  let tokens: { platform: string; adminOfA: string; memberOfA: string };
  const prefix = `http-${randomUUID().slice(0, 8)}:`;

  interface Body {
    accessToken?: string;
    id?: string;
    items?: { subject: string | null }[];
    nextCursor?: string | null;
    error?: { code: string };
  }

  async function call(path: string, token?: string, init: RequestInit = {}): Promise<{ status: number; body: Body }> {
    const response = await fetchApi(`${base}${path}`, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
    return { status: response.status, body: (await response.json()) as Body };
  }

  async function login(email: string): Promise<string> {
    const { status, body } = await call('/api/auth/login', undefined, {
      method: 'POST',
      body: JSON.stringify({ email, password }),
    });
    expect(status).toBe(200);
    return body.accessToken ?? '';
  }

  async function create(path: string, token: string, payload: Record<string, unknown>): Promise<{ id: string }> {
    const { status, body } = await call(path, token, { method: 'POST', body: JSON.stringify(payload) });
    expect(status).toBe(201);
    return { id: body.id ?? '' };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadApiConfig({
      DATABASE_URL: database.url,
      STORAGE_DRIVER: 'fs',
      STORAGE_FS_ROOT: mkdtempSync(join(tmpdir(), 'extplat-audit-')),
      SIGNING_POLICY: 'off',
      RUNNER_SHARED_SECRET: 'r'.repeat(32),
      EXT_SECRETS_KEY: `k1:${Buffer.alloc(32, 5).toString('base64')}`,
      AUTH_JWT_SECRET: 'j'.repeat(32),
      BOOTSTRAP_ADMIN_EMAIL: 'root@example.com',
      BOOTSTRAP_ADMIN_PASSWORD: password,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    app = await createApiApp(config, createRootLogger({ level: 'silent', service: 'api' }));
    base = await listen(app, config.http);

    const platform = await login('root@example.com');
    tenantA = (await create('/api/tenants', platform, { slug: 'audit-a', name: 'A' })).id;
    tenantB = (await create('/api/tenants', platform, { slug: 'audit-b', name: 'B' })).id;
    await create('/api/users', platform, {
      email: 'admin@a.example',
      password,
      role: 'tenant-admin',
      tenantId: tenantA,
    });
    await create('/api/users', platform, { email: 'member@a.example', password, role: 'member', tenantId: tenantA });
    tokens = { platform, adminOfA: await login('admin@a.example'), memberOfA: await login('member@a.example') };

    const audit = app.get(AuditService);
    await audit.record(event({ actor: null, tenantId: tenantA, subject: `${prefix}a` }));
    await audit.record(event({ actor: null, tenantId: tenantB, subject: `${prefix}b` }));
    await audit.record(event({ actor: null, tenantId: null, subject: `${prefix}platform` }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('needs a credential with the audit permission', async () => {
    expect((await call('/api/audit')).status).toBe(401);
    expect(await call('/api/audit', tokens.memberOfA)).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
  });

  it("gives a tenant admin their own tenant's events only, whatever the query says", async () => {
    const own = await call(`/api/audit?subject=${encodeURIComponent(prefix)}`, tokens.adminOfA);
    expect(own.status).toBe(200);
    expect(own.body.items?.map((item) => item.subject)).toEqual([`${prefix}a`]);
    const other = await call(`/api/audit?tenantId=${tenantB}`, tokens.adminOfA);
    expect(other).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('gives a platform admin every event, or one tenant on request', async () => {
    const all = await call(`/api/audit?subject=${encodeURIComponent(prefix)}`, tokens.platform);
    expect(all.body.items?.map((item) => item.subject)).toEqual([`${prefix}platform`, `${prefix}b`, `${prefix}a`]);
    const onlyB = await call(`/api/audit?subject=${encodeURIComponent(prefix)}&tenantId=${tenantB}`, tokens.platform);
    expect(onlyB.body.items?.map((item) => item.subject)).toEqual([`${prefix}b`]);
  });

  it('pages with limit and cursor, and refuses a page over 200', async () => {
    const first = await call(`/api/audit?subject=${encodeURIComponent(prefix)}&limit=2`, tokens.platform);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toMatch(/^\d+$/);
    const second = await call(
      `/api/audit?subject=${encodeURIComponent(prefix)}&limit=2&cursor=${first.body.nextCursor ?? ''}`,
      tokens.platform,
    );
    expect(second.body).toMatchObject({ items: [{ subject: `${prefix}a` }], nextCursor: null });
    expect(await call('/api/audit?limit=201', tokens.platform)).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED' } },
    });
  });

  it('keeps a valid chain across the events the API itself recorded', async () => {
    const result = await app.get(AuditService).verifyChain();
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(3);
  });
});
