import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, normaliseBaseUrl, sameApi } from './api-client.js';
import { CliError, ExitCode } from '../exit-codes.js';

describe('the API base URL', () => {
  it.each([
    ['https://extensions.example.com', 'https://extensions.example.com'],
    ['https://extensions.example.com/', 'https://extensions.example.com'],
    ['https://extensions.example.com/api', 'https://extensions.example.com'],
    ['https://extensions.example.com/api/', 'https://extensions.example.com'],
    ['http://localhost:8080/api?x=1#y', 'http://localhost:8080'],
    ['https://example.com/platform/api', 'https://example.com/platform'],
    ['https://example.com/apis', 'https://example.com/apis'],
    ['https://example.com/api/api/', 'https://example.com'],
    ['https://example.com/platform//api//', 'https://example.com/platform'],
    ['HTTPS://Example.COM:443/api', 'https://example.com'],
    ['http://h:3000/api', 'http://h:3000'],
  ])('%s is called as %s (no /api/api/...)', (given, base) => {
    expect(normaliseBaseUrl(given)).toBe(base);
    // Normalised once is normalised for good: a recorded API compares equal to itself.
    expect(normaliseBaseUrl(base)).toBe(base);
    expect(sameApi(given, base)).toBe(true);
  });

  it('tells different APIs apart', () => {
    expect(sameApi('http://h:3000/api', 'http://h:3001')).toBe(false);
    expect(sameApi('http://h:3000/platform', 'http://h:3000')).toBe(false);
    expect(sameApi('https://h/api', 'http://h/api')).toBe(false);
  });
});

/**
 * A server that is not the API answers a route it lacks as every NestJS service here does (the Runner
 * included): 404 NOT_FOUND "Cannot GET /path".
 */
describe('an --api that is not the API', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { code: 'NOT_FOUND', message: `Cannot ${request.method} ${request.url}` },
          requestId: 'r-1',
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is named as such, with the usage status, instead of "Cannot GET ... (NOT_FOUND)"', async () => {
    const client = new ApiClient({ baseUrl: base, apiKey: 'extplat_test' });
    const failure = await client
      .call('listing versions', (api, init) =>
        api.GET('/api/extensions/{name}/versions', { ...init, params: { path: { name: 'com.acme.x' } } }),
      )
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect(failure).toMatchObject({ code: 'NOT_THE_API', exitCode: ExitCode.USAGE });
    expect((failure as CliError).message).toContain(`${base} is not the platform's API`);
    expect((failure as CliError).message).toContain("not the Runner's");
  });
});
