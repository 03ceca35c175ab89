import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { requestLoggingMiddleware, type RequestLoggingOptions } from './logger.js';

/** An HTTP server behind the request-logging middleware; `status` answers each path. */
async function serve(
  status: (path: string) => number,
  options?: RequestLoggingOptions,
): Promise<{ base: string; lines: string[]; server: Server }> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').trim().split('\n'));
      done();
    },
  });
  const middleware = requestLoggingMiddleware(pino({ level: 'info' }, sink), options);
  const server = createServer((req, res) =>
    middleware(req, res, () => {
      res.statusCode = status(req.url ?? '/');
      res.end('{}');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, server };
}

describe('request logging', () => {
  it('logs requests, but not passing health and readiness probes; a failing readiness probe is a warning', async () => {
    let ready = 200;
    const { base, lines, server } = await serve((path) => (path === '/readyz' ? ready : 200));
    try {
      await fetch(`${base}/healthz`);
      await fetch(`${base}/readyz`);
      await fetch(`${base}/api/things`);
      ready = 503;
      await fetch(`${base}/readyz`);
      await new Promise((resolve) => setImmediate(resolve));
      const logged = lines.map((line) => JSON.parse(line) as { level: number; req: { url: string } });
      expect(logged.map((entry) => [entry.req.url, entry.level])).toEqual([
        ['/api/things', 30],
        ['/readyz', 40],
      ]);
    } finally {
      server.close();
    }
  });

  it('logs passing calls of the paths it is told at debug only, and their failures as before', async () => {
    let status = 200;
    const { base, lines, server } = await serve(() => status, { debugWhenPassing: ['/v1/execute'] });
    try {
      await fetch(`${base}/v1/execute`, { method: 'POST' });
      await fetch(`${base}/v1/other`, { method: 'POST' });
      status = 503;
      await fetch(`${base}/v1/execute`, { method: 'POST' });
      await new Promise((resolve) => setImmediate(resolve));
      const logged = lines.map((line) => JSON.parse(line) as { level: number; req: { url: string } });
      expect(logged.map((entry) => [entry.req.url, entry.level])).toEqual([
        ['/v1/other', 30],
        ['/v1/execute', 50],
      ]);
    } finally {
      server.close();
    }
  });
});
