import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type ApiHarness, type ApiResponse, startApi } from './api-harness.js';

const PASSWORD = 'a sufficiently long pass';

interface User {
  id: string;
  email: string;
  role: string;
  tenantId: string | null;
  disabledAt: string | null;
}

/** A caller: a session token or an API key (both go as a Bearer value). */
type Caller = string;

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function code(reply: ApiResponse): unknown {
  return (reply.body as { error?: { code?: unknown } } | null)?.error?.code;
}

function outcome(reply: ApiResponse): { status: number; code: unknown } {
  return { status: reply.status, code: code(reply) };
}

/**
 * The identity lifecycle on a real PostgreSQL: disable/enable, role changes, deletion, password resets and
 * changes, by every kind of principal (platform admin, tenant admin, member, and API keys of each), with the
 * sessions and API keys that each change must end.
 */
describe('identity lifecycle: /api/users/:id and /api/auth/password', () => {
  let api: ApiHarness;
  let acme: string;
  let globex: string;
  let counter = 0;

  const request = <T = unknown>(caller: Caller | null, method: string, path: string, json?: unknown) =>
    api.request<T>(method, path, { token: caller, ...(json === undefined ? {} : { json }) });

  async function login(email: string, password = PASSWORD): Promise<Caller> {
    const reply = await request<{ accessToken: string }>(null, 'POST', '/api/auth/login', { email, password });
    expect(reply.status).toBe(200);
    return reply.body.accessToken;
  }

  async function createUser(role: string, tenantId: string | null, by: Caller = api.adminToken): Promise<User> {
    const email = `u${counter++}-${role}@lifecycle.test`;
    const reply = await request<User>(by, 'POST', '/api/users', {
      email,
      password: PASSWORD,
      role,
      ...(tenantId ? { tenantId } : {}),
    });
    expect(reply.status).toBe(201);
    return reply.body;
  }

  async function createKey(by: Caller, role: string, tenantId?: string): Promise<{ id: string; key: string }> {
    const reply = await request<{ id: string; key: string }>(by, 'POST', '/api/api-keys', {
      name: `key-${counter++}`,
      role,
      ...(tenantId ? { tenantId } : {}),
    });
    expect(reply.status).toBe(201);
    return reply.body;
  }

  /** Status of `GET /api/auth/me` with this credential. */
  async function whoAmI(caller: Caller): Promise<{ status: number; code: unknown }> {
    return outcome(await request(caller, 'GET', '/api/auth/me'));
  }

  async function auditTypes(subject: string): Promise<{ type: string; actor_id: string | null }[]> {
    return sql<{ type: string; actor_id: string | null }>(
      api.database.url,
      `SELECT type, actor_id FROM audit_events WHERE subject = $1 ORDER BY seq`,
      [subject],
    );
  }

  beforeAll(async () => {
    api = await startApi({ storage: 'fs' });
    const tenant = async (slug: string) =>
      (await request<{ id: string }>(api.adminToken, 'POST', '/api/tenants', { slug, name: slug })).body.id;
    [acme, globex] = [await tenant('acme'), await tenant('globex')];
  });

  afterAll(async () => {
    await api?.close();
  });

  describe('disabling ends the sessions and the API keys the user created', () => {
    it('by a platform admin: sessions 401, keys (and keys made by those keys) revoked, login refused, audited', async () => {
      const boss = await createUser('tenant-admin', acme);
      const session = await login(boss.email);
      const bossKey = await createKey(session, 'tenant-admin');
      const keyOfKey = await createKey(bossKey.key, 'member');
      const other = await createKey(api.adminToken, 'tenant-admin', acme);

      const disabled = await request<User>(api.adminToken, 'POST', `/api/users/${boss.id}/disable`);
      expect(disabled.status).toBe(200);
      expect(disabled.body.disabledAt).toEqual(expect.any(String));

      expect(await whoAmI(session)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await whoAmI(bossKey.key)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });
      expect(await whoAmI(keyOfKey.key)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });
      expect((await whoAmI(other.key)).status).toBe(200);
      // The finding: a disabled tenant admin's key went on creating users.
      const viaKey = await request(bossKey.key, 'POST', '/api/users', {
        email: `after-disable-${counter++}@lifecycle.test`,
        password: PASSWORD,
        role: 'member',
      });
      expect(outcome(viaKey)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });
      const relogin = await request(null, 'POST', '/api/auth/login', { email: boss.email, password: PASSWORD });
      expect(outcome(relogin)).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });

      expect(await auditTypes(`user:${boss.id}`)).toEqual([
        { type: 'user.create', actor_id: expect.any(String) },
        { type: 'auth.login', actor_id: boss.id },
        { type: 'user.disable', actor_id: expect.any(String) },
      ]);
      expect((await auditTypes(`api-key:${bossKey.id}`)).map((row) => row.type)).toEqual([
        'api-key.create',
        'api-key.revoke',
      ]);
      expect((await auditTypes(`api-key:${keyOfKey.id}`)).map((row) => row.type)).toEqual([
        'api-key.create',
        'api-key.revoke',
      ]);

      // Disabling again changes nothing and records nothing.
      expect((await request(api.adminToken, 'POST', `/api/users/${boss.id}/disable`)).status).toBe(200);
      expect((await auditTypes(`user:${boss.id}`)).length).toBe(3);

      // Enabling lets the user log in again; the old session and the revoked keys stay dead.
      const enabled = await request<User>(api.adminToken, 'POST', `/api/users/${boss.id}/enable`);
      expect(enabled.status).toBe(200);
      expect(enabled.body.disabledAt).toBeNull();
      const fresh = await login(boss.email);
      expect((await whoAmI(fresh)).status).toBe(200);
      expect((await whoAmI(session)).status).toBe(401);
      expect(await whoAmI(bossKey.key)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });
      expect((await auditTypes(`user:${boss.id}`)).map((row) => row.type)).toContain('user.enable');
    });

    // Two callers times a dozen requests and four new users each: a generous bound on a loaded machine.
    it('by a tenant admin (session and API key) within its tenant; other tenants and platform admins are 404', async () => {
      const admin = await login((await createUser('tenant-admin', acme)).email);
      const adminKey = await createKey(admin, 'tenant-admin');
      for (const caller of [admin, adminKey.key]) {
        const member = await createUser('member', acme);
        const memberSession = await login(member.email);
        expect((await request(caller, 'POST', `/api/users/${member.id}/disable`)).status).toBe(200);
        expect((await whoAmI(memberSession)).status).toBe(401);
        expect((await request(caller, 'POST', `/api/users/${member.id}/enable`)).status).toBe(200);
        expect((await request(caller, 'GET', `/api/users/${member.id}`)).status).toBe(200);

        const foreign = await createUser('member', globex);
        const platformAdmin = await createUser('platform-admin', null);
        for (const target of [foreign, platformAdmin]) {
          for (const [method, path, body] of [
            ['GET', `/api/users/${target.id}`, undefined],
            ['POST', `/api/users/${target.id}/disable`, undefined],
            ['POST', `/api/users/${target.id}/enable`, undefined],
            ['PUT', `/api/users/${target.id}/role`, { role: 'member' }],
            ['POST', `/api/users/${target.id}/password`, { password: PASSWORD }],
            ['DELETE', `/api/users/${target.id}`, undefined],
          ] as const) {
            expect({ method, path, ...outcome(await request(caller, method, path, body)) }).toEqual({
              method,
              path,
              status: 404,
              code: 'USER_NOT_FOUND',
            });
          }
          const untouched = await request<User>(api.adminToken, 'GET', `/api/users/${target.id}`);
          expect(untouched.body).toMatchObject({ disabledAt: null, role: target.role });
        }
      }
    }, 180_000);

    it('refuses members and their keys (403) and unauthenticated callers (401)', async () => {
      const member = await createUser('member', acme);
      const memberSession = await login(member.email);
      const memberKey = await createKey(api.adminToken, 'member', acme);
      const target = await createUser('member', acme);
      for (const caller of [memberSession, memberKey.key]) {
        for (const [method, path, body] of [
          ['GET', `/api/users/${target.id}`, undefined],
          ['POST', `/api/users/${target.id}/disable`, undefined],
          ['POST', `/api/users/${target.id}/enable`, undefined],
          ['PUT', `/api/users/${target.id}/role`, { role: 'tenant-admin' }],
          ['POST', `/api/users/${target.id}/password`, { password: PASSWORD }],
          ['DELETE', `/api/users/${target.id}`, undefined],
        ] as const) {
          expect({ path, ...outcome(await request(caller, method, path, body)) }).toEqual({
            path,
            status: 403,
            code: 'FORBIDDEN',
          });
        }
      }
      expect((await request(null, 'POST', `/api/users/${target.id}/disable`)).status).toBe(401);
      expect((await request<User>(api.adminToken, 'GET', `/api/users/${target.id}`)).body.disabledAt).toBeNull();
    });

    it('never lets users disable, delete, re-role or reset themselves', async () => {
      const admin = await createUser('tenant-admin', acme);
      const session = await login(admin.email);
      const adminSelf = (await request<{ id: string }>(api.adminToken, 'GET', '/api/auth/me')).body.id;
      for (const [caller, id] of [
        [session, admin.id],
        [api.adminToken, adminSelf],
      ] as const) {
        for (const [method, path, body] of [
          ['POST', `/api/users/${id}/disable`, undefined],
          ['PUT', `/api/users/${id}/role`, { role: 'member' }],
          ['POST', `/api/users/${id}/password`, { password: PASSWORD }],
          ['DELETE', `/api/users/${id}`, undefined],
        ] as const) {
          expect({ path, ...outcome(await request(caller, method, path, body)) }).toEqual({
            path,
            status: 409,
            code: 'CANNOT_MANAGE_SELF',
          });
        }
      }
      expect((await whoAmI(session)).status).toBe(200);
    });
  });

  describe('roles', () => {
    it('swaps tenant-admin and member; a demotion revokes the keys the user created; audited', async () => {
      const tenantAdmin = await login((await createUser('tenant-admin', acme)).email);
      const target = await createUser('tenant-admin', acme);
      const targetSession = await login(target.email);
      const targetKey = await createKey(targetSession, 'member');

      const demoted = await request<User>(tenantAdmin, 'PUT', `/api/users/${target.id}/role`, { role: 'member' });
      expect(demoted.status).toBe(200);
      expect(demoted.body.role).toBe('member');
      // The session goes on, with the new role read on each request.
      expect((await request<{ role: string }>(targetSession, 'GET', '/api/auth/me')).body.role).toBe('member');
      expect(outcome(await request(targetSession, 'GET', '/api/users'))).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(await whoAmI(targetKey.key)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });

      const promoted = await request<User>(api.adminToken, 'PUT', `/api/users/${target.id}/role`, {
        role: 'tenant-admin',
      });
      expect(promoted.body.role).toBe('tenant-admin');
      expect((await request(targetSession, 'GET', '/api/users')).status).toBe(200);
      expect((await auditTypes(`user:${target.id}`)).map((row) => row.type)).toEqual([
        'user.create',
        'auth.login',
        'user.role-change',
        'user.role-change',
      ]);
    });

    it('never escalates to platform-admin nor moves a user across the platform/tenant scope', async () => {
      const tenantAdmin = await login((await createUser('tenant-admin', acme)).email);
      const member = await createUser('member', acme);
      const platformAdmin = await createUser('platform-admin', null);
      expect(
        outcome(await request(tenantAdmin, 'PUT', `/api/users/${member.id}/role`, { role: 'platform-admin' })),
      ).toEqual({ status: 403, code: 'FORBIDDEN' });
      expect(
        outcome(await request(api.adminToken, 'PUT', `/api/users/${member.id}/role`, { role: 'platform-admin' })),
      ).toEqual({ status: 400, code: 'INVALID_ROLE_SCOPE' });
      expect(
        outcome(await request(api.adminToken, 'PUT', `/api/users/${platformAdmin.id}/role`, { role: 'member' })),
      ).toEqual({ status: 400, code: 'INVALID_ROLE_SCOPE' });
      expect(outcome(await request(api.adminToken, 'PUT', `/api/users/${member.id}/role`, { role: 'root' }))).toEqual({
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect((await request<User>(api.adminToken, 'GET', `/api/users/${member.id}`)).body.role).toBe('member');
    });
  });

  describe('passwords', () => {
    // Three callers, each with two logins and a reset (scrypt each time): a generous bound on a loaded machine.
    it('an admin reset sets the new password and ends every session of the user', async () => {
      const platformKey = await createKey(api.adminToken, 'platform-admin');
      const tenantAdminKey = await createKey(api.adminToken, 'tenant-admin', acme);
      for (const caller of [api.adminToken, platformKey.key, tenantAdminKey.key]) {
        const user = await createUser('member', acme);
        const sessions = [await login(user.email), await login(user.email)];
        const reset = await request(caller, 'POST', `/api/users/${user.id}/password`, {
          password: 'the new password here',
        });
        expect(reset.status).toBe(200);
        for (const session of sessions) expect(await whoAmI(session)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
        const old = await request(null, 'POST', '/api/auth/login', { email: user.email, password: PASSWORD });
        expect(old.status).toBe(401);
        expect((await whoAmI(await login(user.email, 'the new password here'))).status).toBe(200);
        expect((await auditTypes(`user:${user.id}`)).map((row) => row.type)).toContain('user.password-reset');
      }
      const tooShort = await request(
        api.adminToken,
        'POST',
        `/api/users/${(await createUser('member', acme)).id}/password`,
        {
          password: 'short',
        },
      );
      expect(outcome(tooShort)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }, 180_000);

    it('changing one’s own password needs the current one, ends the other sessions and answers a new one', async () => {
      const user = await createUser('member', acme);
      const [first, second] = [await login(user.email), await login(user.email)];
      const wrong = await request(first, 'PUT', '/api/auth/password', {
        currentPassword: 'not my password',
        newPassword: 'my brand new password',
      });
      expect(outcome(wrong)).toEqual({ status: 403, code: 'CURRENT_PASSWORD_WRONG' });
      expect((await whoAmI(first)).status).toBe(200);

      const changed = await request<{ accessToken: string; principal: { id: string } }>(
        first,
        'PUT',
        '/api/auth/password',
        { currentPassword: PASSWORD, newPassword: 'my brand new password' },
      );
      expect(changed.status).toBe(200);
      expect(changed.headers.get('cache-control')).toBe('no-store');
      expect(changed.body.principal.id).toBe(user.id);
      expect((await whoAmI(changed.body.accessToken)).status).toBe(200);
      for (const old of [first, second]) expect(await whoAmI(old)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
      expect((await whoAmI(await login(user.email, 'my brand new password'))).status).toBe(200);
      expect((await auditTypes(`user:${user.id}`)).map((row) => row.type)).toEqual([
        'user.create',
        'auth.login',
        'auth.login',
        'user.password-change',
        'user.password-change',
        'auth.login',
      ]);
    });

    it('counts wrong current passwords against the login throttle: the 11th try is 429', async () => {
      const user = await createUser('member', acme);
      const session = await login(user.email);
      for (let i = 0; i < 10; i++) {
        const wrong = await request(session, 'PUT', '/api/auth/password', {
          currentPassword: `guess ${i}`,
          newPassword: 'my brand new password',
        });
        expect(outcome(wrong)).toEqual({ status: 403, code: 'CURRENT_PASSWORD_WRONG' });
      }
      const throttled = await request(session, 'PUT', '/api/auth/password', {
        currentPassword: PASSWORD,
        newPassword: 'my brand new password',
      });
      expect(outcome(throttled)).toEqual({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      const failures = await auditTypes(`user:${user.id}`);
      expect(failures.filter((row) => row.type === 'user.password-change')).toHaveLength(10);
    });

    it('refuses API keys, which have no password', async () => {
      const key = await createKey(api.adminToken, 'tenant-admin', acme);
      const reply = await request(key.key, 'PUT', '/api/auth/password', {
        currentPassword: PASSWORD,
        newPassword: 'my brand new password',
      });
      expect(outcome(reply)).toEqual({ status: 403, code: 'FORBIDDEN' });
    });
  });

  describe('deletion', () => {
    it('deletes the user: sessions and keys end, the email is free again, the history stays', async () => {
      const tenantAdmin = await login((await createUser('tenant-admin', acme)).email);
      const target = await createUser('tenant-admin', acme);
      const session = await login(target.email);
      const key = await createKey(session, 'member');
      const deleted = await request(tenantAdmin, 'DELETE', `/api/users/${target.id}`);
      expect(deleted.status).toBe(204);
      expect(await whoAmI(session)).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
      expect(await whoAmI(key.key)).toEqual({ status: 401, code: 'API_KEY_REVOKED' });
      expect(outcome(await request(api.adminToken, 'GET', `/api/users/${target.id}`))).toEqual({
        status: 404,
        code: 'USER_NOT_FOUND',
      });
      expect(outcome(await request(tenantAdmin, 'DELETE', `/api/users/${target.id}`))).toEqual({
        status: 404,
        code: 'USER_NOT_FOUND',
      });
      expect((await auditTypes(`user:${target.id}`)).map((row) => row.type)).toEqual([
        'user.create',
        'auth.login',
        'user.delete',
      ]);
      const again = await request(api.adminToken, 'POST', '/api/users', {
        email: target.email,
        password: PASSWORD,
        role: 'member',
        tenantId: acme,
      });
      expect(again.status).toBe(201);
    });
  });

  describe('the last platform admin', () => {
    it('cannot be disabled or deleted, even by a platform-admin API key or a racing pair of admins', async () => {
      const rootId = (await request<{ id: string }>(api.adminToken, 'GET', '/api/auth/me')).body.id;
      const platformKey = await createKey(api.adminToken, 'platform-admin');
      const enabledAdmins = async () =>
        (
          await sql<{ id: string }>(
            api.database.url,
            `SELECT id FROM users WHERE role = 'platform-admin' AND disabled_at IS NULL`,
          )
        ).map((row) => row.id);
      // Leave the bootstrap admin as the only enabled platform admin.
      for (const id of await enabledAdmins()) {
        if (id !== rootId)
          expect((await request(platformKey.key, 'POST', `/api/users/${id}/disable`)).status).toBe(200);
      }
      expect(await enabledAdmins()).toEqual([rootId]);
      for (const [method, path] of [
        ['POST', `/api/users/${rootId}/disable`],
        ['DELETE', `/api/users/${rootId}`],
      ] as const) {
        expect(outcome(await request(platformKey.key, method, path))).toEqual({
          status: 409,
          code: 'LAST_PLATFORM_ADMIN',
        });
      }

      // Two platform admins disabling each other at once: one wins, one platform admin stays.
      const second = await createUser('platform-admin', null);
      const secondSession = await login(second.email);
      const rootSession = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
      const replies = await Promise.all([
        request(rootSession, 'POST', `/api/users/${second.id}/disable`),
        request(secondSession, 'POST', `/api/users/${rootId}/disable`),
      ]);
      expect(replies.filter((reply) => reply.status === 200)).toHaveLength(1);
      expect(replies.map((reply) => reply.status).sort()).toEqual([200, expect.any(Number)]);
      for (const reply of replies.filter((r) => r.status !== 200)) {
        expect(['LAST_PLATFORM_ADMIN', 'UNAUTHENTICATED']).toContain(code(reply));
      }
      expect(await enabledAdmins()).toHaveLength(1);
    });
  });
});
