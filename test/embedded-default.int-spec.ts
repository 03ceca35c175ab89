import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readinessWhen, waitUntil } from '@extplat/testing';
import { fetchApi } from '../apps/api/test/openapi-contract.js';

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
      expect((await fetchApi(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
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

describe('supervision in the embedded default', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'extplat-embedded-'));
  let launched: ChildProcess | undefined;

  afterAll(async () => {
    if (launched && launched.exitCode === null) {
      launched.kill('SIGKILL');
      await once(launched, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts a crashed API, Runner or PostgreSQL with backoff while the others keep running', async () => {
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
    let said = '';
    child.stderr?.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const saying = (pattern: RegExp): Promise<RegExpExecArray> =>
      waitUntil(
        `the launcher to say ${pattern}`,
        () => (child.exitCode === null ? pattern.exec(said) : undefined) ?? undefined,
        {
          timeoutMs: 90_000,
        },
      );
    const pidOf = (name: string): number => {
      const all = [
        ...said.matchAll(new RegExp(`${name} (?:started|is ready again|running on \\S+) \\(pid (\\d+)\\)`, 'g')),
      ];
      return Number(all.at(-1)?.[1]);
    };
    const api = `http://127.0.0.1:${apiPort}`;
    const runner = `http://127.0.0.1:${runnerPort}`;
    const ready = (base: string) => waitUntil(`${base} to be ready`, async () => (await fetch(`${base}/readyz`)).ok);
    const alive = (pid: number) => {
      process.kill(pid, 0);
      return true;
    };
    await saying(/Press Ctrl\+C to stop\./);

    // The API crashes twice in a row: restarted after 1 s, then after 2 s; the Runner never notices.
    const runnerPid = pidOf('Runner');
    process.kill(pidOf('API'), 'SIGKILL');
    await saying(/API exited unexpectedly \(SIGKILL\); restarting it in 1 s \(restart 1\)/);
    expect((await fetch(`${runner}/healthz`)).status).toBe(200);
    await saying(/API is ready again \(pid \d+\)/);
    process.kill(pidOf('API'), 'SIGKILL');
    await saying(/API exited unexpectedly \(SIGKILL\); restarting it in 2 s \(restart 2\)/);
    await saying(/API is ready again[^]*API is ready again/);
    await ready(api);
    expect(alive(runnerPid)).toBe(true);

    // The Runner crashes: restarted, and the API kept serving meanwhile.
    const apiPid = pidOf('API');
    process.kill(runnerPid, 'SIGKILL');
    await saying(/Runner exited unexpectedly \(SIGKILL\); restarting it in 1 s \(restart 1\)/);
    expect((await fetchApi(`${api}/healthz`)).status).toBe(200);
    await saying(/Runner is ready again/);
    await ready(runner);

    // PostgreSQL crashes: reported with what to do, started again, and both servers recover on their own.
    process.kill(pidOf('PostgreSQL'), 'SIGKILL');
    await saying(/PostgreSQL stopped unexpectedly \(SIGKILL\); the API and the Runner answer 503 until it is back/);
    await saying(/PostgreSQL stopped unexpectedly[^]*PostgreSQL running on/);
    await ready(api);
    await ready(runner);
    expect(alive(apiPid)).toBe(true);
    expect(pidOf('API')).toBe(apiPid);

    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`${api}/healthz`)).rejects.toThrow();
    await expect(fetch(`${runner}/healthz`)).rejects.toThrow();
  }, 240_000);
});
