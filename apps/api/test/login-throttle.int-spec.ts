import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DomainError } from '@extplat/server-core';
import pg from 'pg';
import { AuthService } from '../src/authentication/auth.service.js';
import { LoginFailuresPruner } from '../src/authentication/login-failures.pruner.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type ApiHarness, type ApiResponse, startApi } from './api-harness.js';

const PASSWORD = 'a sufficiently long pass';

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function outcome(reply: ApiResponse): { status: number; code: unknown } {
  return { status: reply.status, code: (reply.body as { error?: { code?: unknown } } | null)?.error?.code };
}

/** A login as sent through a reverse proxy that says the client is `forwardedFor`. */
function loginFrom(api: ApiHarness, forwardedFor: string, email: string, password: string): Promise<ApiResponse> {
  return api.request('POST', '/api/auth/login', {
    token: null,
    json: { email, password },
    headers: { 'x-forwarded-for': forwardedFor },
  });
}

describe('login throttling behind a reverse proxy (TRUST_PROXY=loopback)', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({ storage: 'fs', env: { TRUST_PROXY: 'loopback', AUTH_LOGIN_FAILURE_RETENTION_DAYS: '7' } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('throttles the address that failed, never the account: the platform admin still logs in from elsewhere', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await loginFrom(api, '203.0.113.10', ADMIN_EMAIL, 'wrong password')).status).toBe(401);
    }
    const attacker = await loginFrom(api, '203.0.113.10', ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(outcome(attacker)).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(attacker.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await loginFrom(api, '203.0.113.20', ADMIN_EMAIL, ADMIN_PASSWORD)).status).toBe(200);
    const recorded = await sql<{ client_address: string; reason: string }>(
      api.database.url,
      `SELECT client_address, reason FROM login_failures WHERE email = $1`,
      [ADMIN_EMAIL],
    );
    expect(recorded).toHaveLength(10);
    expect(new Set(recorded.map((row) => `${row.client_address} ${row.reason}`))).toEqual(
      new Set(['203.0.113.10 wrong-password']),
    );
  });

  // 100 scrypt verifications: seconds each on a loaded machine, so a generous bound.
  it('gives each address a budget across emails: spraying 100 accounts stops that address only', async () => {
    const created = await api.request('POST', '/api/users', {
      json: { email: 'sprayed@acme.test', password: PASSWORD, role: 'platform-admin' },
    });
    expect(created.status).toBe(201);
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          loginFrom(api, '203.0.113.30', `victim${batch * 5 + i}@acme.test`, 'guess'),
        ),
      );
      for (const reply of replies) expect(reply.status).toBe(401);
    }
    expect(outcome(await loginFrom(api, '203.0.113.30', 'sprayed@acme.test', PASSWORD))).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
    });
    expect((await loginFrom(api, '203.0.113.31', 'sprayed@acme.test', PASSWORD)).status).toBe(200);
  }, 600_000);

  it('records a login whose email holds a NUL or a lone surrogate instead of losing it or answering 500', async () => {
    const auth = api.app!.get(AuthService);
    for (const email of ['nul\u0000@acme.test', 'lone\uD800@acme.test']) {
      const refused = await auth.login({ email, password: 'whatever', clientAddress: '198.51.100.7' }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).code).toBe('INVALID_CREDENTIALS');
    }
    const rows = await sql<{ email: string; reason: string }>(
      api.database.url,
      `SELECT email, reason FROM login_failures WHERE client_address = '198.51.100.7' ORDER BY id`,
    );
    expect(rows).toEqual([
      { email: 'nul\uFFFD@acme.test', reason: 'malformed-email' },
      { email: 'lone\uFFFD@acme.test', reason: 'malformed-email' },
    ]);
    // Over HTTP the edge may refuse such text first (400); either way it is a client error, never a 500.
    const reply = await loginFrom(api, '198.51.100.8', 'nul\u0000@acme.test', 'whatever');
    expect([400, 401]).toContain(reply.status);
  });

  it('prunes failed logins past AUTH_LOGIN_FAILURE_RETENTION_DAYS and keeps the newer ones', async () => {
    await sql(
      api.database.url,
      `INSERT INTO login_failures (occurred_at, email, client_address, reason) VALUES
         (now() - interval '8 days', 'old@acme.test', '192.0.2.1', 'unknown-email'),
         (now() - interval '6 days', 'recent@acme.test', '192.0.2.1', 'unknown-email')`,
    );
    expect(await api.app!.get(LoginFailuresPruner).prune()).toBe(1);
    const left = await sql<{ email: string }>(
      api.database.url,
      `SELECT email FROM login_failures WHERE client_address = '192.0.2.1'`,
    );
    expect(left).toEqual([{ email: 'recent@acme.test' }]);
  });
});

describe('login throttling without TRUST_PROXY (the default)', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('ignores X-Forwarded-For, so a client cannot pick a fresh address for each guess', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await loginFrom(api, `203.0.113.${100 + i}`, ADMIN_EMAIL, 'wrong password')).status).toBe(401);
    }
    expect(outcome(await loginFrom(api, '203.0.113.200', ADMIN_EMAIL, ADMIN_PASSWORD))).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
    });
    const addresses = await sql<{ client_address: string }>(
      api.database.url,
      `SELECT DISTINCT client_address FROM login_failures`,
    );
    expect(addresses.map((row) => row.client_address)).not.toContain('203.0.113.100');
  });
});
