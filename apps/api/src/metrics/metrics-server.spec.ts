import { afterEach, describe, expect, it } from '@jest/globals';
import type { ApiConfig } from '../config/api-config.js';
import { ApiMetrics } from './api-metrics.js';
import { MetricsServer } from './metrics-server.js';

const configWith = (metricsPort: number | undefined) =>
  ({ http: { host: '127.0.0.1', port: 0, shutdownTimeoutMs: 1000 }, metricsPort }) as ApiConfig;

describe('MetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.onApplicationShutdown();
    server = undefined;
  });

  it('serves the counters at GET /metrics on its own port, and nothing else there', async () => {
    const metrics = new ApiMetrics();
    server = new MetricsServer(configWith(0), metrics);
    await server.onApplicationBootstrap();
    metrics.prewarm('warmed');
    metrics.prewarm('timeout');
    metrics.prewarm('timeout');
    const url = server.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const scraped = await fetch(url);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toContain('text/plain');
    const text = await scraped.text();
    expect(text).toContain('extplat_api_prewarms_total{outcome="warmed"} 1');
    expect(text).toContain('extplat_api_prewarms_total{outcome="timeout"} 2');
    expect(text).toContain('extplat_api_process_resident_memory_bytes');

    expect((await fetch(url.replace('/metrics', '/api/auth/me'))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(404);
  });

  it('serves nothing when API_METRICS_PORT is not set', async () => {
    server = new MetricsServer(configWith(undefined), new ApiMetrics());
    await server.onApplicationBootstrap();
    expect(server.url).toBeUndefined();
  });
});
