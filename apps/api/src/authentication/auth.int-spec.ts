import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { listen } from '@extplat/server-core';
import { createTestDatabase, type TestDatabase } from '@extplat/testing';
import pg from 'pg';
import { pino } from 'pino';
import { createApiApp } from '../app.js';
import { loadApiConfig } from '../config/api-config.js';
import { signSessionToken } from './jwt.js';
import { listRouteDeclarations } from '../access/route-declarations.js';
import { fetchApi } from '../../test/openapi-contract.js';

const ADMIN_EMAIL = 'root@platform.test';
const ADMIN_PASSWORD = 'bootstrap password 1';
const JWT_SECRET = 'auth-int-spec-secret-'.padEnd(40, 'x');
const PASSWORD = 'a sufficiently long pass';

interface Api {
  app: INestApplication;
  base: string;
  logLines: string[];
  close(): Promise<void>;
}

/** The whole API on `database` with the fs bundle store; its log lines are kept for assertions. */
async function startApi(database: TestDatabase, env: Record<string, string> = {}): Promise<Api> {
  const storeRoot = mkdtempSync(join(tmpdir(), 'extplat-auth-'));
  const config = loadApiConfig({
    DATABASE_URL: database.url,
    STORAGE_DRIVER: 'fs',
    STORAGE_FS_ROOT: storeRoot,
    SIGNING_POLICY: 'off',
    RUNNER_SHARED_SECRET: 'r'.repeat(32),
    EXT_SECRETS_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    API_PORT: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await createApiApp(config, pino({ level: 'info' }, sink));
  const base = await listen(app, config.http);
  return {
    app,
    base,
    logLines,
    close: async () => {
      await app.close();
      rmSync(storeRoot, { recursive: true, force: true });
    },
  };
}

interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** A session (as login answers it), a raw Bearer value, an X-Api-Key value, or nothing. */
type Credential = { accessToken: string } | { bearer: string } | { apiKey: string } | null;

async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  credential: Credential,
  json?: unknown,
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (credential && 'accessToken' in credential) headers['authorization'] = `Bearer ${credential.accessToken}`;
  if (credential && 'bearer' in credential) headers['authorization'] = `Bearer ${credential.bearer}`;
  if (credential && 'apiKey' in credential) headers['x-api-key'] = credential.apiKey;
  if (json !== undefined) headers['content-type'] = 'application/json';
  const response = await fetchApi(`${base}${path}`, {
    method,
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

interface LoginBody {
  accessToken: string;
  tokenType: string;
  expiresAt: string;
  principal: { kind: string; id: string; tenantId: string | null; role: string; name: string };
}

async function login(base: string, email: string, password: string): Promise<LoginBody> {
  const reply = await call<LoginBody>(base, 'POST', '/api/auth/login', null, { email, password });
  expect(reply.status).toBe(200);
  return reply.body;
}

function errorCode(reply: Reply): unknown {
  return (reply.body as { error?: { code?: unknown } }).error?.code;
}

describe('auth: logins, tenants, users and API keys on a real PostgreSQL', () => {
  let database: TestDatabase;
  let api: Api;
  let base: string;
  let admin: LoginBody;
  let acme: { id: string };
  let globex: { id: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startApi(database);
    base = api.base;
    admin = await login(base, ADMIN_EMAIL, ADMIN_PASSWORD);
    const created = await Promise.all(
      ['acme', 'globex'].map((slug) => call(base, 'POST', '/api/tenants', admin, { slug, name: slug.toUpperCase() })),
    );
    [acme, globex] = created.map((reply) => reply.body as { id: string }) as [{ id: string }, { id: string }];
  });

  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  describe('bootstrap admin', () => {
    it('was created at startup, logged without its password, and logs in as a tenant-less platform admin', async () => {
      const created = api.logLines.filter((line) => line.includes('Created the bootstrap platform admin'));
      expect(created).toHaveLength(1);
      expect(created[0]).toContain(ADMIN_EMAIL);
      expect(api.logLines.join('\n')).not.toContain(ADMIN_PASSWORD);
      expect(admin).toEqual({
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        tokenType: 'Bearer',
        expiresAt: expect.any(String),
        principal: { kind: 'user', id: expect.any(String), tenantId: null, role: 'platform-admin', name: ADMIN_EMAIL },
      });
      const ttlSeconds = (Date.parse(admin.expiresAt) - Date.now()) / 1000;
      expect(ttlSeconds).toBeGreaterThan(850);
      expect(ttlSeconds).toBeLessThanOrEqual(900);
      const me = await call(base, 'GET', '/api/auth/me', admin);
      expect(me).toMatchObject({ status: 200, body: admin.principal });
    });

    it('stores the password as an scrypt hash', async () => {
      const [row] = await sql<{ password_hash: string; email: string }>(
        database.url,
        `SELECT email, password_hash FROM users WHERE role = 'platform-admin'`,
      );
      expect(row?.email).toBe(ADMIN_EMAIL);
      expect(row?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    });

    it('is created exactly once when two API processes start at once on an empty database', async () => {
      const fresh = await createTestDatabase();
      try {
        const apis = await Promise.all([startApi(fresh), startApi(fresh)]);
        await Promise.all(apis.map((started) => started.close()));
        const admins = await sql<{ email: string }>(fresh.url, `SELECT email FROM users WHERE role = 'platform-admin'`);
        expect(admins).toEqual([{ email: ADMIN_EMAIL }]);
        const lines = apis.flatMap((started) => started.logLines);
        expect(lines.filter((line) => line.includes('Created the bootstrap platform admin'))).toHaveLength(1);
        // A restart finds the admin and creates nothing.
        const restarted = await startApi(fresh, { BOOTSTRAP_ADMIN_EMAIL: 'other@platform.test' });
        await restarted.close();
        expect(await sql(fresh.url, `SELECT 1 FROM users`)).toHaveLength(1);
      } finally {
        await fresh.drop();
      }
    });
  });

  describe('login', () => {
    it('answers a wrong password and an unknown email alike, with 401 INVALID_CREDENTIALS', async () => {
      const wrong = await call(base, 'POST', '/api/auth/login', null, {
        email: ADMIN_EMAIL,
        password: 'not the password',
      });
      const unknown = await call(base, 'POST', '/api/auth/login', null, { email: 'nobody@x.test', password: PASSWORD });
      for (const reply of [wrong, unknown]) {
        expect(reply.status).toBe(401);
        expect(reply.body).toMatchObject({
          error: { code: 'INVALID_CREDENTIALS', message: 'The email or the password is wrong' },
        });
      }
    });

    it('spends about the same time on an unknown email as on a wrong password', async () => {
      const timed = async (email: string, attempt: number): Promise<number> => {
        const started = performance.now();
        const reply = await call(base, 'POST', '/api/auth/login', null, {
          email,
          password: `wrong password ${attempt}`,
        });
        expect(reply.status).toBe(401);
        return performance.now() - started;
      };
      const unknown: number[] = [];
      const wrong: number[] = [];
      // Interleaved, and the fastest of each compared: load from other test files only ever adds time.
      for (let attempt = 0; attempt < 4; attempt++) {
        unknown.push(await timed('timing-nobody@x.test', attempt));
        wrong.push(await timed(ADMIN_EMAIL, attempt));
      }
      // Both run one scrypt (~90 ms); without the dummy hash an unknown email would answer in a few ms.
      expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...wrong) * 0.5);
      expect(Math.min(...unknown)).toBeGreaterThan(20);
    });

    it('treats the email case-insensitively', async () => {
      const session = await login(base, ADMIN_EMAIL.toUpperCase(), ADMIN_PASSWORD);
      expect(session.principal.name).toBe(ADMIN_EMAIL);
    });

    it('refuses a malformed body with 400 VALIDATION_FAILED', async () => {
      const reply = await call(base, 'POST', '/api/auth/login', null, { email: ADMIN_EMAIL });
      expect(reply.status).toBe(400);
      expect(errorCode(reply)).toBe('VALIDATION_FAILED');
    });

    it('limits failed logins per email and address: the 11th in a minute is 429 with Retry-After', async () => {
      await call(base, 'POST', '/api/users', admin, {
        email: 'limited@acme.test',
        password: PASSWORD,
        role: 'member',
        tenantId: acme.id,
      });
      for (let i = 0; i < 10; i++) {
        const reply = await call(base, 'POST', '/api/auth/login', null, {
          email: 'limited@acme.test',
          password: 'nope',
        });
        expect(reply.status).toBe(401);
      }
      const limited = await call(base, 'POST', '/api/auth/login', null, {
        email: 'limited@acme.test',
        password: PASSWORD,
      });
      expect(limited.status).toBe(429);
      expect(errorCode(limited)).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      // Another email from the same address is not affected.
      await login(base, ADMIN_EMAIL, ADMIN_PASSWORD);
    });

    it('audits logins, and keeps failed logins out of the audit chain in login_failures, without the password', async () => {
      const audited = await sql<{ type: string; outcome: string }>(
        database.url,
        `SELECT type, outcome FROM audit_events WHERE type IN ('auth.login', 'auth.login-failed') ORDER BY seq`,
      );
      expect(audited.some((row) => row.type === 'auth.login' && row.outcome === 'success')).toBe(true);
      expect(audited.filter((row) => row.type === 'auth.login-failed')).toEqual([]);
      const failures = await sql<{ email: string; reason: string; user_id: string | null; client_address: string }>(
        database.url,
        `SELECT email, reason, user_id, client_address FROM login_failures ORDER BY id`,
      );
      expect(failures).toContainEqual({
        email: 'nobody@x.test',
        reason: 'unknown-email',
        user_id: null,
        client_address: expect.stringMatching(/127\.0\.0\.1|::1/),
      });
      expect(JSON.stringify(failures)).not.toContain('not the password');
    });
  });

  describe('session tokens', () => {
    it('asks for credentials with 401 UNAUTHENTICATED and a Bearer challenge', async () => {
      const reply = await call(base, 'GET', '/api/auth/me', null);
      expect(reply.status).toBe(401);
      expect(errorCode(reply)).toBe('UNAUTHENTICATED');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="extplat"');
    });

    it('refuses an expired token with 401 SESSION_EXPIRED', async () => {
      const { token } = signSessionToken(
        { userId: admin.principal.id, tenantId: null, role: 'platform-admin', generation: 0 },
        JWT_SECRET,
        60,
        Date.now() - 10 * 60_000,
      );
      const reply = await call(base, 'GET', '/api/auth/me', { bearer: token });
      expect(reply.status).toBe(401);
      expect(errorCode(reply)).toBe('SESSION_EXPIRED');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="extplat", error="invalid_token"');
    });

    it('refuses a tampered token, one signed with another secret, and garbage', async () => {
      const [header, payload, signature] = admin.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
      const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: Number(claims['exp']) + 3600 })).toString('base64url')}.${signature}`;
      const foreign = signSessionToken(
        { userId: admin.principal.id, tenantId: null, role: 'platform-admin', generation: 0 },
        'another secret of at least 32 characters',
        900,
      ).token;
      for (const token of [tampered, foreign, 'garbage']) {
        const reply = await call(base, 'GET', '/api/auth/me', { bearer: token });
        expect(reply.status).toBe(401);
        expect(errorCode(reply)).toBe('UNAUTHENTICATED');
      }
    });

    it('stops working at once when the user is disabled, and the user can no longer log in', async () => {
      await call(base, 'POST', '/api/users', admin, {
        email: 'leaver@acme.test',
        password: PASSWORD,
        role: 'member',
        tenantId: acme.id,
      });
      const session = await login(base, 'leaver@acme.test', PASSWORD);
      await sql(database.url, `UPDATE users SET disabled_at = now() WHERE email = 'leaver@acme.test'`);
      expect((await call(base, 'GET', '/api/auth/me', session)).status).toBe(401);
      const again = await call(base, 'POST', '/api/auth/login', null, {
        email: 'leaver@acme.test',
        password: PASSWORD,
      });
      expect(again.status).toBe(401);
      expect(errorCode(again)).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('tenants and users', () => {
    it('creates tenants with unique, well-formed slugs', async () => {
      const list = await call<{ items: { slug: string }[] }>(base, 'GET', '/api/tenants', admin);
      expect(list.status).toBe(200);
      expect(list.body.items.map((tenant) => tenant.slug)).toEqual(expect.arrayContaining(['acme', 'globex']));
      const duplicate = await call(base, 'POST', '/api/tenants', admin, { slug: 'acme', name: 'Again' });
      expect(duplicate.status).toBe(409);
      expect(errorCode(duplicate)).toBe('TENANT_SLUG_TAKEN');
      const bad = await call(base, 'POST', '/api/tenants', admin, { slug: 'Bad Slug', name: 'x' });
      expect(bad.status).toBe(400);
      expect(errorCode(bad)).toBe('VALIDATION_FAILED');
    });

    it('creates a tenant admin and a member who each log in as themselves in their tenant', async () => {
      for (const [email, role] of [
        ['boss@acme.test', 'tenant-admin'],
        ['worker@acme.test', 'member'],
      ] as const) {
        const created = await call(base, 'POST', '/api/users', admin, {
          email,
          password: PASSWORD,
          role,
          tenantId: acme.id,
        });
        expect(created).toMatchObject({
          status: 201,
          body: {
            id: expect.any(String),
            email,
            role,
            tenantId: acme.id,
            createdAt: expect.any(String),
            disabledAt: null,
          },
        });
        expect(JSON.stringify(created.body)).not.toMatch(/password|scrypt/i);
        const session = await login(base, email, PASSWORD);
        expect(session.principal).toEqual({
          kind: 'user',
          id: created.body['id'],
          tenantId: acme.id,
          role,
          name: email,
        });
        expect((await call(base, 'GET', '/api/auth/me', session)).body).toEqual(session.principal);
      }
    });

    it('refuses duplicate emails (whatever their case), short passwords and role/tenant mismatches', async () => {
      const cases: [unknown, number, string][] = [
        [{ email: 'BOSS@acme.test', password: PASSWORD, role: 'member', tenantId: acme.id }, 409, 'EMAIL_TAKEN'],
        [{ email: 'short@acme.test', password: 'short', role: 'member', tenantId: acme.id }, 400, 'VALIDATION_FAILED'],
        [
          { email: 'p@x.test', password: PASSWORD, role: 'platform-admin', tenantId: acme.id },
          400,
          'INVALID_ROLE_SCOPE',
        ],
        [{ email: 'm@x.test', password: PASSWORD, role: 'member' }, 400, 'INVALID_ROLE_SCOPE'],
        [
          { email: 'm@x.test', password: PASSWORD, role: 'member', tenantId: '00000000-0000-4000-8000-000000000000' },
          404,
          'TENANT_NOT_FOUND',
        ],
        [{ email: 'm@x.test', password: PASSWORD, role: 'owner', tenantId: acme.id }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const reply = await call(base, 'POST', '/api/users', admin, body);
        expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status, code });
      }
    });

    it('lets a tenant admin manage only its own tenant', async () => {
      const boss = await login(base, 'boss@acme.test', PASSWORD);
      const created = await call(base, 'POST', '/api/users', boss, {
        email: 'helper@acme.test',
        password: PASSWORD,
        role: 'member',
      });
      expect(created).toMatchObject({ status: 201, body: { tenantId: acme.id, role: 'member' } });
      for (const body of [
        { email: 'spy@globex.test', password: PASSWORD, role: 'member', tenantId: globex.id },
        { email: 'king@acme.test', password: PASSWORD, role: 'platform-admin' },
      ]) {
        const reply = await call(base, 'POST', '/api/users', boss, body);
        expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 403, code: 'FORBIDDEN' });
      }
      const own = await call<{ items: { email: string; tenantId: string }[] }>(base, 'GET', '/api/users', boss);
      expect(own.status).toBe(200);
      expect(own.body.items.length).toBeGreaterThanOrEqual(3);
      expect(own.body.items.every((user) => user.tenantId === acme.id)).toBe(true);
      expect((await call(base, 'GET', `/api/users?tenantId=${globex.id}`, boss)).status).toBe(403);
      const all = await call<{ items: { email: string }[] }>(base, 'GET', '/api/users', admin);
      expect(all.body.items.map((user) => user.email)).toEqual(expect.arrayContaining([ADMIN_EMAIL, 'boss@acme.test']));
      const filtered = await call(base, 'GET', `/api/users?tenantId=${globex.id}`, admin);
      expect(filtered).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
    });

    it('records tenant and user creation in the audit log with the actor', async () => {
      const rows = await sql<{ type: string; actor_id: string | null; subject: string }>(
        database.url,
        `SELECT type, actor_id, subject FROM audit_events WHERE type IN ('tenant.create', 'user.create') ORDER BY seq`,
      );
      expect(rows).toContainEqual({
        type: 'tenant.create',
        actor_id: admin.principal.id,
        subject: `tenant:${acme.id}`,
      });
      // The bootstrap admin was created by the platform itself.
      expect(rows[0]).toMatchObject({ type: 'user.create', actor_id: null });
      expect(rows.filter((row) => row.type === 'user.create').length).toBeGreaterThanOrEqual(3);
    });
  });

  describe('API keys', () => {
    let boss: LoginBody;

    beforeAll(async () => {
      boss = await login(base, 'boss@acme.test', PASSWORD);
    });

    interface KeyBody {
      id: string;
      key: string;
      prefix: string;
      tenantId: string | null;
      role: string;
      revokedAt: string | null;
      lastUsedAt: string | null;
    }

    it('shows the key once, stores only the SHA-256 of its secret, and never lists it', async () => {
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'ci', role: 'member' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'ci',
        role: 'member',
        tenantId: acme.id,
        createdBy: `user:${boss.principal.id}`,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      const { key, prefix } = created.body;
      expect(key).toMatch(new RegExp(`^extplat_${prefix}_[\\w-]{43}$`));
      const secret = key.slice(`extplat_${prefix}_`.length);
      const [row] = await sql<{ secret_hash: string }>(database.url, `SELECT secret_hash FROM api_keys WHERE id = $1`, [
        created.body.id,
      ]);
      expect(row?.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
      const list = await call<{ items: Record<string, unknown>[] }>(base, 'GET', '/api/api-keys', boss);
      expect(list.body.items.map((item) => item['id'])).toContain(created.body.id);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect(list.body.items.every((item) => !('key' in item) && !('secretHash' in item))).toBe(true);
      // Lines logged while serving an authenticated request name its principal; no line holds the secret.
      const auditLine = api.logLines.find((line) => line.includes(`api-key:${created.body.id}`));
      expect(JSON.parse(auditLine ?? '{}')).toMatchObject({ principal: `user:${boss.principal.id}` });
      expect(api.logLines.join('\n')).not.toContain(secret);
    });

    it('authenticates with Authorization: Bearer and with X-Api-Key, as the key', async () => {
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'cli', role: 'tenant-admin' });
      const expected = { kind: 'api-key', id: created.body.id, tenantId: acme.id, role: 'tenant-admin', name: 'cli' };
      expect(await call(base, 'GET', '/api/auth/me', { bearer: created.body.key })).toMatchObject({
        status: 200,
        body: expected,
      });
      expect(await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key })).toMatchObject({
        status: 200,
        body: expected,
      });
      // A tenant-admin key may list its tenant's users, like its creator.
      expect((await call(base, 'GET', '/api/users', { apiKey: created.body.key })).status).toBe(200);
    });

    it('refuses a wrong secret for a real prefix without saying more', async () => {
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'guess', role: 'member' });
      await call(base, 'DELETE', `/api/api-keys/${created.body.id}`, boss);
      const guessed = `extplat_${created.body.prefix}_${'A'.repeat(43)}`;
      const reply = await call(base, 'GET', '/api/auth/me', { apiKey: guessed });
      expect(reply.status).toBe(401);
      expect(errorCode(reply)).toBe('UNAUTHENTICATED');
    });

    it('records use at most once a minute', async () => {
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'usage', role: 'member' });
      const lastUsed = async () =>
        (
          await sql<{ last_used_at: Date | null }>(database.url, `SELECT last_used_at FROM api_keys WHERE id = $1`, [
            created.body.id,
          ])
        )[0]?.last_used_at;
      expect(await lastUsed()).toBeNull();
      await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key });
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key });
      expect(await lastUsed()).toEqual(first);
      await sql(database.url, `UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
        created.body.id,
      ]);
      await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key });
      expect((await lastUsed())?.getTime()).toBeGreaterThan(Date.now() - 30_000);
    });

    it('revokes idempotently; a revoked key is 401 API_KEY_REVOKED', async () => {
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'temp', role: 'member' });
      const revoked = await call<KeyBody>(base, 'DELETE', `/api/api-keys/${created.body.id}`, boss);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      const again = await call<KeyBody>(base, 'DELETE', `/api/api-keys/${created.body.id}`, boss);
      expect(again).toMatchObject({ status: 200, body: { revokedAt: revoked.body.revokedAt } });
      const reply = await call(base, 'GET', '/api/auth/me', { bearer: created.body.key });
      expect(reply.status).toBe(401);
      expect(errorCode(reply)).toBe('API_KEY_REVOKED');
      expect(reply.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const audit = await sql<{ type: string }>(database.url, `SELECT type FROM audit_events WHERE subject = $1`, [
        `api-key:${created.body.id}`,
      ]);
      expect(audit.map((row) => row.type)).toEqual(['api-key.create', 'api-key.revoke']);
    });

    it('refuses an expired key with 401 API_KEY_EXPIRED, and an expiry in the past at creation', async () => {
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const created = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, {
        name: 'short',
        role: 'member',
        expiresAt,
      });
      expect(created.body).toMatchObject({ expiresAt });
      expect((await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key })).status).toBe(200);
      await sql(database.url, `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        created.body.id,
      ]);
      const reply = await call(base, 'GET', '/api/auth/me', { apiKey: created.body.key });
      expect(reply.status).toBe(401);
      expect(errorCode(reply)).toBe('API_KEY_EXPIRED');
      const past = await call(base, 'POST', '/api/api-keys', boss, {
        name: 'past',
        role: 'member',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      });
      expect({ status: past.status, code: errorCode(past) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });

    it('keeps tenants apart: other tenants keys are invisible and cannot be revoked (404)', async () => {
      const globexAdmin = await call(base, 'POST', '/api/users', admin, {
        email: 'boss@globex.test',
        password: PASSWORD,
        role: 'tenant-admin',
        tenantId: globex.id,
      });
      expect(globexAdmin.status).toBe(201);
      const rival = await login(base, 'boss@globex.test', PASSWORD);
      const acmeKey = await call<KeyBody>(base, 'POST', '/api/api-keys', boss, { name: 'acme-only', role: 'member' });
      const rivalList = await call<{ items: KeyBody[] }>(base, 'GET', '/api/api-keys', rival);
      expect(rivalList.status).toBe(200);
      expect(rivalList.body.items.every((key) => key.tenantId === globex.id)).toBe(true);
      const steal = await call(base, 'DELETE', `/api/api-keys/${acmeKey.body.id}`, rival);
      expect({ status: steal.status, code: errorCode(steal) }).toEqual({ status: 404, code: 'API_KEY_NOT_FOUND' });
      expect((await call(base, 'GET', '/api/auth/me', { apiKey: acmeKey.body.key })).status).toBe(200);
      const forOther = await call(base, 'POST', '/api/api-keys', rival, {
        name: 'x',
        role: 'member',
        tenantId: acme.id,
      });
      expect({ status: forOther.status, code: errorCode(forOther) }).toEqual({ status: 403, code: 'FORBIDDEN' });
      const elevated = await call(base, 'POST', '/api/api-keys', rival, { name: 'x', role: 'platform-admin' });
      expect({ status: elevated.status, code: errorCode(elevated) }).toEqual({ status: 403, code: 'FORBIDDEN' });
      // Platform admins see and filter every tenant's keys, and create tenant-less platform keys.
      const all = await call<{ items: KeyBody[] }>(base, 'GET', `/api/api-keys?tenantId=${acme.id}`, admin);
      expect(all.body.items.map((key) => key.id)).toContain(acmeKey.body.id);
      const platformKey = await call<KeyBody>(base, 'POST', '/api/api-keys', admin, {
        name: 'publisher',
        role: 'platform-admin',
      });
      expect(platformKey).toMatchObject({ status: 201, body: { tenantId: null, role: 'platform-admin' } });
      const invisible = await call(base, 'DELETE', `/api/api-keys/${platformKey.body.id}`, boss);
      expect(invisible.status).toBe(404);
    });

    it('validates the path id', async () => {
      const reply = await call(base, 'DELETE', '/api/api-keys/not-a-uuid', admin);
      expect({ status: reply.status, code: errorCode(reply) }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    });
  });

  describe('lists', () => {
    it('pages tenants, users and API keys by keyset: every item once, in order; a bad cursor is 400', async () => {
      for (const path of ['/api/tenants', '/api/users', '/api/api-keys']) {
        const whole = await call<{ items: { id: string }[]; nextCursor: string | null }>(base, 'GET', path, admin);
        expect(whole.status).toBe(200);
        expect(whole.body.items.length).toBeGreaterThanOrEqual(2);
        const paged: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor === null ? '?limit=1' : `?limit=1&cursor=${cursor}`;
          const page = await call<{ items: { id: string }[]; nextCursor: string | null }>(
            base,
            'GET',
            `${path}${query}`,
            admin,
          );
          expect(page.status).toBe(200);
          expect(page.body.items.length).toBeLessThanOrEqual(1);
          paged.push(...page.body.items.map((item) => item.id));
          cursor = page.body.nextCursor;
        } while (cursor !== null);
        expect(paged).toEqual(whole.body.items.map((item) => item.id));
        for (const wrong of ['not-a-cursor!', Buffer.from('[1]').toString('base64url'), 'e30']) {
          const bad = await call(base, 'GET', `${path}?cursor=${wrong}`, admin);
          expect({ path, status: bad.status, code: errorCode(bad) }).toEqual({
            path,
            status: 400,
            code: 'INVALID_CURSOR',
          });
        }
      }
    });
  });

  describe('RBAC matrix of the auth routes', () => {
    type Who = 'anonymous' | 'member' | 'tenantAdmin' | 'otherTenantAdmin' | 'platformAdmin' | 'revokedKey';
    const WHO: Who[] = ['anonymous', 'member', 'tenantAdmin', 'otherTenantAdmin', 'platformAdmin', 'revokedKey'];
    let credentials: Record<Who, Credential>;
    let counter = 0;
    const unique = (): string => `m${Date.now().toString(36)}${counter++}`;

    interface Row {
      method: string;
      path: string;
      request: (who: Who) => { url: string; body?: unknown };
      expected: Record<Who, number>;
    }
    let rows: Row[];

    // 36 users created (scrypt each) before the matrix runs: a generous bound on a loaded machine.
    beforeAll(async () => {
      const member = await login(base, 'worker@acme.test', PASSWORD);
      const tenantAdmin = await login(base, 'boss@acme.test', PASSWORD);
      const otherTenantAdmin = await login(base, 'boss@globex.test', PASSWORD);
      const revoked = await call<{ id: string; key: string }>(base, 'POST', '/api/api-keys', tenantAdmin, {
        name: 'revoked-in-matrix',
        role: 'tenant-admin',
      });
      await call(base, 'DELETE', `/api/api-keys/${revoked.body.id}`, tenantAdmin);
      credentials = {
        anonymous: null,
        member,
        tenantAdmin,
        otherTenantAdmin,
        platformAdmin: admin,
        revokedKey: { apiKey: revoked.body.key },
      };
      const acmeKeyToRevoke = async () =>
        (
          await call<{ id: string }>(base, 'POST', '/api/api-keys', admin, {
            name: 'victim',
            role: 'member',
            tenantId: acme.id,
          })
        ).body.id;
      // One live acme key per principal, so each principal's DELETE is about a key nobody revoked yet.
      const victims = await Promise.all(WHO.map(acmeKeyToRevoke));
      const revokeTarget = new Map(WHO.map((who, index) => [who, victims[index] ?? '']));
      // One acme member per route and principal, so each lifecycle call acts on a user nobody touched yet.
      const acmeMember = async () =>
        (
          await call<{ id: string }>(base, 'POST', '/api/users', admin, {
            email: `${unique()}@acme.test`,
            password: PASSWORD,
            role: 'member',
            tenantId: acme.id,
          })
        ).body.id;
      const targetsFor = async (): Promise<Map<Who, string>> => {
        const ids = await Promise.all(WHO.map(acmeMember));
        return new Map(WHO.map((who, index) => [who, ids[index] ?? '']));
      };
      const [getTarget, disableTarget, enableTarget, roleTarget, passwordTarget, deleteTarget] = [
        await targetsFor(),
        await targetsFor(),
        await targetsFor(),
        await targetsFor(),
        await targetsFor(),
        await targetsFor(),
      ];
      // A tenant of its own to rename, so the others keep the names later steps show.
      const renameTarget = (
        await call<{ id: string }>(base, 'POST', '/api/tenants', admin, { slug: unique(), name: 'To rename' })
      ).body;
      const lifecycle = (status: number): Record<Who, number> => ({
        anonymous: 401,
        member: 403,
        tenantAdmin: status,
        otherTenantAdmin: 404,
        platformAdmin: status,
        revokedKey: 401,
      });
      rows = [
        {
          method: 'POST',
          path: '/api/auth/login',
          request: () => ({ url: '/api/auth/login', body: { email: 'worker@acme.test', password: PASSWORD } }),
          expected: {
            anonymous: 200,
            member: 200,
            tenantAdmin: 200,
            otherTenantAdmin: 200,
            platformAdmin: 200,
            revokedKey: 200,
          },
        },
        {
          method: 'GET',
          path: '/api/auth/me',
          request: () => ({ url: '/api/auth/me' }),
          expected: {
            anonymous: 401,
            member: 200,
            tenantAdmin: 200,
            otherTenantAdmin: 200,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'GET',
          path: '/api/tenants',
          request: () => ({ url: '/api/tenants' }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 403,
            otherTenantAdmin: 403,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'POST',
          path: '/api/tenants',
          request: () => ({ url: '/api/tenants', body: { slug: unique(), name: 'Matrix' } }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 403,
            otherTenantAdmin: 403,
            platformAdmin: 201,
            revokedKey: 401,
          },
        },
        {
          method: 'GET',
          path: '/api/tenants/:id',
          request: () => ({ url: `/api/tenants/${renameTarget.id}` }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 403,
            otherTenantAdmin: 403,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'PATCH',
          path: '/api/tenants/:id',
          request: () => ({ url: `/api/tenants/${renameTarget.id}`, body: { name: `Renamed ${unique()}` } }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 403,
            otherTenantAdmin: 403,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'GET',
          path: '/api/users',
          request: () => ({ url: `/api/users?tenantId=${acme.id}` }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 200,
            otherTenantAdmin: 403,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'POST',
          path: '/api/users',
          request: () => ({
            url: '/api/users',
            body: { email: `${unique()}@acme.test`, password: PASSWORD, role: 'member', tenantId: acme.id },
          }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 201,
            otherTenantAdmin: 403,
            platformAdmin: 201,
            revokedKey: 401,
          },
        },
        {
          method: 'GET',
          path: '/api/api-keys',
          request: () => ({ url: `/api/api-keys?tenantId=${acme.id}` }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 200,
            otherTenantAdmin: 403,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'POST',
          path: '/api/api-keys',
          request: () => ({ url: '/api/api-keys', body: { name: unique(), role: 'member', tenantId: acme.id } }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 201,
            otherTenantAdmin: 403,
            platformAdmin: 201,
            revokedKey: 401,
          },
        },
        {
          method: 'DELETE',
          path: '/api/api-keys/:id',
          request: (who) => ({ url: `/api/api-keys/${revokeTarget.get(who)}` }),
          expected: {
            anonymous: 401,
            member: 403,
            tenantAdmin: 200,
            otherTenantAdmin: 404,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
        {
          method: 'GET',
          path: '/api/users/:id',
          request: (who) => ({ url: `/api/users/${getTarget.get(who)}` }),
          expected: lifecycle(200),
        },
        {
          method: 'POST',
          path: '/api/users/:id/disable',
          request: (who) => ({ url: `/api/users/${disableTarget.get(who)}/disable` }),
          expected: lifecycle(200),
        },
        {
          method: 'POST',
          path: '/api/users/:id/enable',
          request: (who) => ({ url: `/api/users/${enableTarget.get(who)}/enable` }),
          expected: lifecycle(200),
        },
        {
          method: 'PUT',
          path: '/api/users/:id/role',
          request: (who) => ({ url: `/api/users/${roleTarget.get(who)}/role`, body: { role: 'tenant-admin' } }),
          expected: lifecycle(200),
        },
        {
          method: 'POST',
          path: '/api/users/:id/password',
          request: (who) => ({ url: `/api/users/${passwordTarget.get(who)}/password`, body: { password: PASSWORD } }),
          expected: lifecycle(200),
        },
        {
          method: 'DELETE',
          path: '/api/users/:id',
          request: (who) => ({ url: `/api/users/${deleteTarget.get(who)}` }),
          expected: lifecycle(204),
        },
        // Last: a successful change ends the caller's other sessions (the same password again is fine).
        {
          method: 'PUT',
          path: '/api/auth/password',
          request: (who) => ({
            url: '/api/auth/password',
            body: { currentPassword: who === 'platformAdmin' ? ADMIN_PASSWORD : PASSWORD, newPassword: PASSWORD },
          }),
          expected: {
            anonymous: 401,
            member: 200,
            tenantAdmin: 200,
            otherTenantAdmin: 200,
            platformAdmin: 200,
            revokedKey: 401,
          },
        },
      ];
    }, 180_000);

    it('covers every route of the auth module', () => {
      const authRoutes = listRouteDeclarations(api.app)
        .filter((route) => /^\/api\/(auth|api-keys|tenants|users)(\/|$)/.test(route.path))
        .map((route) => `${route.method} ${route.path}`);
      expect(rows.map((row) => `${row.method} ${row.path}`).sort()).toEqual(authRoutes.sort());
    });

    it('answers each principal with the expected status', async () => {
      const actual: Record<string, Record<Who, number>> = {};
      const expected: Record<string, Record<Who, number>> = {};
      for (const row of rows) {
        const name = `${row.method} ${row.path}`;
        expected[name] = row.expected;
        const statuses = {} as Record<Who, number>;
        actual[name] = statuses;
        for (const who of WHO) {
          const { url, body } = row.request(who);
          const reply = await call(base, row.method, url, credentials[who], body);
          statuses[who] = reply.status;
          const code = errorCode(reply);
          if (reply.status === 401) {
            expect({ name, who, code }).toEqual({
              name,
              who,
              code: who === 'revokedKey' ? 'API_KEY_REVOKED' : 'UNAUTHENTICATED',
            });
          }
          if (reply.status === 403) expect({ name, who, code }).toEqual({ name, who, code: 'FORBIDDEN' });
        }
      }
      expect(actual).toEqual(expected);
    });
  });
});
