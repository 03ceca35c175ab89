import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  runToExit,
  startService,
  type RunningService,
  type TestDatabase,
  until,
} from '@extplat/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchApi } from '../test/openapi-contract.js';

// The built entry point, run as production runs it (npm test builds before testing).
const entry = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('the API process', () => {
  it('stops at boot with exit status 78 and names every bad variable', async () => {
    const result = await runToExit(entry, { DATABASE_URL: 'not a url', BUNDLE_MAX_BYTES: 'lots' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('extplat-api: Invalid configuration:');
    expect(result.stderr).toMatch(/- DATABASE_URL: must be an absolute postgres or postgresql URL \(got "not a url"\)/);
    expect(result.stderr).toMatch(/- BUNDLE_MAX_BYTES: must be a whole number/);
    expect(result.stderr).toMatch(/- AUTH_JWT_SECRET: is required/);
    expect(result.stdout).toBe('');
  });

  describe('when configured', () => {
    let database: TestDatabase;
    let service: RunningService;

    beforeAll(async () => {
      database = await createTestDatabase();
      service = await startService(entry, {
        DATABASE_URL: database.url,
        STORAGE_DRIVER: 'fs',
        STORAGE_FS_ROOT: mkdtempSync(join(tmpdir(), 'extplat-api-')),
        SIGNING_POLICY: 'warn',
        RUNNER_SHARED_SECRET: 'r'.repeat(32),
        EXT_SECRETS_KEY: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
        AUTH_JWT_SECRET: 'j'.repeat(32),
        API_PORT: '0',
      });
    });

    afterAll(async () => {
      await service?.stop();
      await database?.drop();
    });

    it('logs structured JSON, with the request id on the request line', async () => {
      // Not /readyz: a passing readiness probe is deliberately not logged.
      const response = await fetchApi(`${service.url}/api/docs-json`, { headers: { 'x-request-id': 'trace-me-1' } });
      expect(response.status).toBe(200);
      // The request line is written after the response: wait for it rather than for a guessed time.
      await until(() => service.logs.some((line) => line['reqId'] === 'trace-me-1'));
      const requestLine = service.logs.find((line) => line['reqId'] === 'trace-me-1');
      expect(requestLine).toMatchObject({
        level: 'info',
        service: 'api',
        req: { method: 'GET', url: '/api/docs-json' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      });
      expect(service.logs.find((line) => /API listening/.test(String(line['msg'])))).toMatchObject({
        storage: 'fs',
        signingPolicy: 'warn',
      });
    });
  });
});
