import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startService, waitUntil, type RunningService } from '@extplat/testing';

const FAULTY_SERVER = fileURLToPath(new URL('../test/faulty-server.mjs', import.meta.url));

/** The exit status, once the process has exited and its output has been read to the end. */
async function exitOf(service: RunningService): Promise<number | null> {
  const { child } = service;
  if (child.stdout?.readableEnded !== true || child.exitCode === null) await once(child, 'close');
  return child.exitCode;
}

/** The error code of a new connection to `url`, or undefined when it is accepted. */
function connectionError(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = request(`${url}/healthz`, { agent: false }, (response) => {
      response.resume();
      resolve(undefined);
    });
    probe.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message));
    probe.end();
  });
}

function fatalLine(service: RunningService): Record<string, unknown> | undefined {
  return service.logs.find((line) => line['level'] === 'fatal');
}

describe('the servers’ process policy', () => {
  it.each([
    ['/throw', 'uncaughtException', 'a bug in a timer'],
    ['/reject', 'unhandledRejection', 'a forgotten promise'],
  ])('logs %s’s failure with the request id and exits 70 for a supervisor to restart', async (path, kind, message) => {
    const server = await startService(FAULTY_SERVER, {});
    try {
      // The connection dies with the process: whatever fetch makes of that, the process must be gone.
      await fetch(`${server.url}${path}`, { headers: { 'x-request-id': 'crash-1' } }).catch(() => undefined);
      expect(await exitOf(server)).toBe(70);
      expect(fatalLine(server)).toMatchObject({ kind, reqId: 'crash-1', err: { message } });
    } finally {
      await server.stop();
    }
  });

  it('drains a slow request on SIGTERM while refusing new connections, then exits 0', async () => {
    const server = await startService(FAULTY_SERVER, {});
    try {
      const slow = request(`${server.url}/slow`, { method: 'POST', headers: { 'content-length': '10' } });
      slow.write('12345');
      const [response] = (await once(slow, 'response')) as [IncomingMessage];
      server.child.kill('SIGTERM');
      // A connection that reached the backlog just before the close is reset, not served; once the listening
      // socket is gone every new one is refused.
      const refused = await waitUntil('new connections to be refused', async () => {
        const error = await connectionError(server.url);
        return error === 'ECONNREFUSED' ? error : undefined;
      });
      expect(refused).toBe('ECONNREFUSED');
      expect(server.child.exitCode).toBeNull();

      slow.end('67890');
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      await once(response, 'end');
      expect({ status: response.statusCode, body }).toEqual({ status: 200, body: '10' });
      expect(await exitOf(server)).toBe(0);
      expect(server.logs.map((line) => line['msg'])).toContain('stopped');
    } finally {
      await server.stop();
    }
  });

  it('cuts requests still running after SHUTDOWN_TIMEOUT_MS and still exits 0', async () => {
    const server = await startService(FAULTY_SERVER, { SHUTDOWN_TIMEOUT_MS: '300' });
    try {
      const hanging = request(`${server.url}/hang`).end();
      hanging.on('error', () => undefined);
      const [response] = (await once(hanging, 'response')) as [IncomingMessage];
      // events.once would reject on the 'error' (ECONNRESET) that comes with the cut.
      const closed = new Promise((resolve) => response.on('error', () => undefined).on('close', resolve));
      response.resume();
      server.child.kill('SIGTERM');
      await closed;
      expect(response.complete).toBe(false);
      expect(await exitOf(server)).toBe(0);
      expect(server.logs.some((line) => String(line['msg']).includes('cutting them'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
