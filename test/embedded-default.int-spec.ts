import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readinessWhen } from '@extplat/testing';

const launcher = fileURLToPath(new URL('../scripts/embedded.mjs', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('the embedded default (what npm start launches)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'extplat-embedded-'));
  let launched: ChildProcess | undefined;

  afterAll(async () => {
    if (launched && launched.exitCode === null) {
      launched.kill('SIGKILL');
      await once(launched, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('brings up API and Runner on an embedded PostgreSQL and the fs store, then stops cleanly', async () => {
    const [apiPort, runnerPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, [launcher], {
      env: {
        PATH: process.env['PATH'] ?? '',
        EXTPLAT_DATA_DIR: dataDir,
        API_PORT: String(apiPort),
        RUNNER_PORT: String(runnerPort),
        EXTPLAT_PG_PORT: String(pgPort),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    launched = child;
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('Press Ctrl+C to stop.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`launcher exited with ${code}:\n${banner}`)));
    });
    expect(banner).toContain(`Runner    http://127.0.0.1:${runnerPort}/healthz`);

    for (const port of [apiPort, runnerPort]) {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const ready = await readinessWhen(`http://127.0.0.1:${port}/readyz`, (answer) => answer.status === 200);
      expect(ready.body).toMatchObject({
        status: 'ready',
        checks: { database: { ok: true }, storage: { ok: true } },
      });
    }

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`http://127.0.0.1:${apiPort}/healthz`)).rejects.toThrow();
  }, 120_000);
});
