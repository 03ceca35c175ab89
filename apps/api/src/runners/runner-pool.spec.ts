import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ExecuteRequestBody } from '@extplat/contracts';
import { rendezvousOrder } from './rendezvous.js';
import { RunnerPool } from './runner-pool.js';

/** A stand-in Runner on a real socket: /readyz as told, /v1/execute answers with its own name, or hangs up. */
interface FakeRunner {
  url: string;
  port: number;
  ready: boolean;
  /** Drop the connection once the call has arrived (a Runner dying mid-call). */
  dieMidCall: boolean;
  calls: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
const pools: RunnerPool[] = [];

async function fakeRunner(): Promise<FakeRunner> {
  const server = createServer((req, res) => {
    if (req.url === '/readyz') {
      res.writeHead(runner.ready ? 200 : 503).end('{}');
      return;
    }
    runner.calls += 1;
    req.resume();
    req.on('end', () => {
      if (runner.dieMidCall) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ by: runner.url }));
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const runner: FakeRunner = {
    url: `http://127.0.0.1:${port}`,
    port,
    ready: true,
    dieMidCall: false,
    calls: 0,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return runner;
}

function payload(contentHash: string): ExecuteRequestBody {
  return { claims: { contentHash, requestId: 'r-1' }, request: {} } as unknown as ExecuteRequestBody;
}

async function pool(urls: string[]): Promise<RunnerPool> {
  const created = new RunnerPool({ kind: 'static', urls }, 's'.repeat(32), 50);
  pools.push(created);
  await created.start();
  return created;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  for (const created of pools.splice(0)) created.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    if (server.listening) server.close();
  }
});

describe('RunnerPool', () => {
  it('sends a content hash to its rendezvous owner, from any pool that knows the same Runners', async () => {
    const runners = await Promise.all([fakeRunner(), fakeRunner(), fakeRunner()]);
    const urls = runners.map((runner) => runner.url);
    const [one, two] = [await pool(urls), await pool([...urls].reverse())];
    for (const hash of ['sha256:aa', 'sha256:bb', 'sha256:cc', 'sha256:dd']) {
      const owner = rendezvousOrder(hash, urls)[0];
      expect(await one.execute(payload(hash), 2000)).toEqual({ kind: 'ok', body: { by: owner } });
      expect(await two.execute(payload(hash), 2000)).toEqual({ kind: 'ok', body: { by: owner } });
    }
  });

  it('skips a Runner whose readiness fails, and gives its hashes back once it passes', async () => {
    const runners = await Promise.all([fakeRunner(), fakeRunner()]);
    const urls = runners.map((runner) => runner.url);
    const gateway = await pool(urls);
    const [owner, next] = rendezvousOrder('sha256:ee', urls);
    const ownerRunner = runners.find((runner) => runner.url === owner);
    if (!ownerRunner) throw new Error('no owner');
    ownerRunner.ready = false;
    await settle(200);
    expect(gateway.snapshot()).toContainEqual({ url: owner, healthy: false });
    expect(await gateway.execute(payload('sha256:ee'), 2000)).toEqual({ kind: 'ok', body: { by: next } });
    ownerRunner.ready = true;
    await settle(200);
    expect(await gateway.execute(payload('sha256:ee'), 2000)).toEqual({ kind: 'ok', body: { by: owner } });
  });

  it('moves a call that could not connect to the next Runner at once, before any probe notices', async () => {
    const runners = await Promise.all([fakeRunner(), fakeRunner()]);
    const urls = runners.map((runner) => runner.url);
    const gateway = new RunnerPool({ kind: 'static', urls }, 's'.repeat(32), 60_000);
    pools.push(gateway);
    await gateway.start();
    const [owner, next] = rendezvousOrder('sha256:ff', urls);
    await runners.find((runner) => runner.url === owner)?.close();
    expect(await gateway.execute(payload('sha256:ff'), 2000)).toEqual({ kind: 'ok', body: { by: next } });
    expect(gateway.snapshot()).toContainEqual({ url: owner, healthy: false });
  });

  it('answers a call sent to a Runner that dies mid-call as unavailable, without sending it elsewhere', async () => {
    const runners = await Promise.all([fakeRunner(), fakeRunner()]);
    const urls = runners.map((runner) => runner.url);
    const gateway = await pool(urls);
    const [owner] = rendezvousOrder('sha256:11', urls);
    for (const runner of runners) runner.dieMidCall = runner.url === owner;
    const answer = await gateway.execute(payload('sha256:11'), 2000);
    expect(answer).toMatchObject({ kind: 'unavailable' });
    expect(runners.map((runner) => runner.calls)).toEqual(runners.map((runner) => (runner.url === owner ? 1 : 0)));
  });

  it('answers unavailable when no Runner can be reached', async () => {
    const runner = await fakeRunner();
    const gateway = await pool([runner.url]);
    await runner.close();
    expect(await gateway.execute(payload('sha256:22'), 2000)).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/^no Runner could be reached/),
    });
  });

  it('finds its Runners by resolving a DNS name (localhost) and calls them by address', async () => {
    const runner = await fakeRunner();
    const gateway = new RunnerPool(
      { kind: 'dns', host: 'localhost', port: runner.port, intervalMs: 60_000 },
      's'.repeat(32),
      60_000,
    );
    pools.push(gateway);
    await gateway.start();
    // localhost may also resolve to ::1, where nothing listens: that address is ejected, not fatal.
    expect(gateway.snapshot()).toContainEqual({ url: `http://127.0.0.1:${runner.port}`, healthy: true });
    expect(await gateway.execute(payload('sha256:33'), 2000)).toEqual({ kind: 'ok', body: { by: runner.url } });
  });
});
