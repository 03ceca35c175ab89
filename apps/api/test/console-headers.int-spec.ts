import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiHarness, startApi } from './api-harness.js';
import { fetchApi } from './openapi-contract.js';

const RUNNER_PUBLIC_BASE = 'http://127.0.0.1:4299/ext-ui-root';

/** A stand-in for the built console: what matters here is how the API serves it. */
function consoleDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'extplat-console-'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>console</title><script src="main-ABCDEFGH.js"></script>',
  );
  writeFileSync(join(dir, 'main-ABCDEFGH.js'), 'console.log(1);');
  writeFileSync(join(dir, 'favicon.ico'), 'icon');
  return dir;
}

describe.each(['fs', 's3'] as const)('the console served by the API sends security headers (%s store)', (storage) => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApi({
      storage,
      env: {
        CONSOLE_DIST_DIR: consoleDist(),
        RUNNER_PUBLIC_BASE,
        STORAGE_S3_PUBLIC_ENDPOINT: 'http://s3.example.test:9000',
      },
    });
  }, 60_000);

  afterAll(() => api?.close());

  const policyOf = (headers: Headers) =>
    new Map(
      (headers.get('content-security-policy') ?? '')
        .split(';')
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values]),
    );

  it.each([
    ['index.html for a deep link', '/extensions/com.example.x', 'text/html'],
    ['the root', '/', 'text/html'],
    ['a hashed script', '/main-ABCDEFGH.js', 'javascript'],
    ['another file of the build', '/favicon.ico', ''],
  ])('on %s', async (_what, path, type) => {
    const response = await fetchApi(`${api.base}${path}`, { headers: { accept: 'text/html,*/*' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type') ?? '').toContain(type);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const policy = policyOf(response.headers);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(policy.get('frame-src')).toEqual(['http://127.0.0.1:4299']);
    expect(policy.get('object-src')).toEqual(["'none'"]);
    // Browser uploads go straight to the bucket only with the s3 driver.
    expect(policy.get('connect-src')).toEqual(
      storage === 's3' ? ["'self'", 'http://s3.example.test:9000'] : ["'self'"],
    );
  });

  it('leaves the API answers to the API', async () => {
    const response = await fetchApi(`${api.base}/api/extensions`, {
      headers: { authorization: `Bearer ${api.adminToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBeNull();
  });
});
