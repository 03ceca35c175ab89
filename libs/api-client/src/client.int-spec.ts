import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  createTestBucket,
  createTestDatabase,
  s3StorageEnv,
  startService,
  type RunningService,
  type TestBucket,
  type TestDatabase,
} from '@extplat/testing';
import { createApiClient, unwrap } from './client.js';
import { ApiError, isApiError, type ApiErrorCode } from './errors.js';

const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery staple';
// The built API, run as production runs it (the test command builds it first).
const apiEntry = fileURLToPath(new URL('../../../apps/api/dist/main.js', import.meta.url));

/** What a caller does with a failure: decide by its code. */
function advice(code: ApiErrorCode): string {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'sign in';
    case 'NETWORK':
      return 'check the connection';
    default:
      return 'read the message';
  }
}

/** A port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The generated client and its middleware against a real API process (PostgreSQL and S3 behind it). */
describe('the API client against the API', () => {
  let database: TestDatabase;
  let bucket: TestBucket;
  let api: RunningService;
  let token: string;

  beforeAll(async () => {
    [database, bucket] = await Promise.all([createTestDatabase(), createTestBucket()]);
    api = await startService(apiEntry, {
      DATABASE_URL: database.url,
      ...s3StorageEnv(bucket),
      SIGNING_POLICY: 'off',
      RUNNER_SHARED_SECRET: 'r'.repeat(32),
      EXT_SECRETS_KEY: `k1:${randomBytes(32).toString('base64')}`,
      AUTH_JWT_SECRET: randomBytes(32).toString('base64'),
      BOOTSTRAP_ADMIN_EMAIL: ADMIN_EMAIL,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      API_PORT: '0',
      LOG_LEVEL: 'info',
    });
    const client = createApiClient({ baseUrl: api.url });
    const login = await unwrap(
      client.POST('/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }),
    );
    token = login.accessToken;
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await Promise.all([database?.drop(), bucket?.destroy()]);
  });

  it('sends the token as a bearer credential, read before every request', async () => {
    let current: string | null = null;
    const client = createApiClient({ baseUrl: api.url, token: () => current });
    const anonymous = await unwrap(client.GET('/api/extensions')).catch((error: unknown) => error);
    expect(anonymous).toBeInstanceOf(ApiError);
    expect((anonymous as ApiError).status).toBe(401);

    current = token;
    const page = await unwrap(client.GET('/api/extensions', { params: { query: { limit: 5 } } }));
    expect(page.items).toEqual([]);
  });

  it('gives every request an X-Request-Id, which the API keeps and a failure carries', async () => {
    const ids = ['client-test-1', 'client-test-2'];
    const client = createApiClient({ baseUrl: api.url, token, requestId: () => ids.shift() ?? 'spare' });
    const { response } = await client.GET('/api/extensions');
    expect(response.headers.get('x-request-id')).toBe('client-test-1');

    const failure = await unwrap(
      client.GET('/api/extensions/{name}', { params: { path: { name: 'com.example.absent' } } }),
    ).catch((error: unknown) => error);
    expect(isApiError(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 404, requestId: 'client-test-2' });
  });

  it("turns the API's error body into a typed ApiError a caller can switch on", async () => {
    const client = createApiClient({ baseUrl: api.url, token: 'extplat_not-a-real-key' });
    const failure = await unwrap(client.GET('/api/installs')).catch((error: unknown) => error);
    if (!isApiError(failure)) throw new Error(`expected an ApiError, got ${String(failure)}`);
    expect(failure.code).toBe('UNAUTHENTICATED');
    expect(failure.message).not.toBe('');
    expect(failure.requestId).toMatch(/\S/);
    expect(advice(failure.code)).toBe('sign in');
    expect(isApiError(failure, 'UNAUTHENTICATED')).toBe(true);
  });

  it('reports an API that does not answer as NETWORK, status 0', async () => {
    const client = createApiClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token });
    const failure = await unwrap(client.GET('/api/extensions')).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'ApiError', code: 'NETWORK', status: 0 });
    expect(advice((failure as ApiError).code)).toBe('check the connection');
  });
});
