import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiConfig } from '../config/api-config.js';
import { UploadSpool } from './upload-spool.js';

const HOUR = 3600 * 1000;

function spoolIn(root: string, maxBytes: number): UploadSpool {
  const config = { upload: { spoolDir: root, spoolMaxBytes: maxBytes, sessionTtlSeconds: 24 * 3600 } };
  return new UploadSpool(config as unknown as ApiConfig);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const copies: Buffer[] = [];
  for await (const chunk of chunks) copies.push(Buffer.from(chunk));
  return Buffer.concat(copies);
}

describe('UploadSpool', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'extplat-spool-unit-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes parts in batches and reads them back in order as one stream', async () => {
    const spool = spoolIn(root, 10 * 1024 * 1024);
    const upload = randomUUID();
    const parts = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(1024 * 1024 - 1)];
    const attempts = parts.map(() => randomUUID());
    for (const [index, part] of parts.entries()) {
      const writer = await spool.open(upload, index + 1, attempts[index]!, part.length);
      expect(writer).toBeDefined();
      for (let offset = 0; offset < part.length; offset += 65_536)
        await writer!.write(part.subarray(offset, offset + 65_536));
      expect(await writer!.finish()).toBe(true);
    }
    const reader = await spool.reader(upload, [
      { partNumber: 1, attemptId: attempts[0]!, size: parts[0]!.length },
      { partNumber: 2, attemptId: attempts[1]!, size: parts[1]!.length },
    ]);
    expect((await collect(reader!)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('says a part is incomplete when fewer bytes than its size were written', async () => {
    const spool = spoolIn(root, 1024);
    const writer = await spool.open(randomUUID(), 1, randomUUID(), 100);
    await writer!.write(randomBytes(99));
    expect(await writer!.finish()).toBe(false);
  });

  it('has no reader when a file is missing or of another size', async () => {
    const spool = spoolIn(root, 1024);
    const upload = randomUUID();
    const attemptId = randomUUID();
    const writer = await spool.open(upload, 1, attemptId, 10);
    await writer!.write(randomBytes(10));
    await writer!.finish();
    expect(await spool.reader(upload, [{ partNumber: 1, attemptId, size: 11 }])).toBeUndefined();
    expect(await spool.reader(upload, [{ partNumber: 1, attemptId: randomUUID(), size: 10 }])).toBeUndefined();
    expect(await spool.reader(upload, [{ partNumber: 1, attemptId, size: 10 }])).toBeDefined();
  });

  it('copies no part past its limit, gives the space back on discard, and is off at 0', async () => {
    const spool = spoolIn(root, 100);
    const first = randomUUID();
    expect(await spool.open(first, 1, randomUUID(), 60)).toBeDefined();
    expect(await spool.open(randomUUID(), 1, randomUUID(), 60)).toBeUndefined();
    await spool.discard(first);
    expect(existsSync(join(root, spool.instanceId, first))).toBe(false);
    expect(await spool.open(randomUUID(), 1, randomUUID(), 60)).toBeDefined();
    const off = spoolIn(root, 0);
    expect(off.enabled).toBe(false);
    expect(await off.open(randomUUID(), 1, randomUUID(), 1)).toBeUndefined();
  });

  it('sweeps what nobody can finalize any more: old uploads of its own, idle folders of other processes', async () => {
    const spool = spoolIn(root, 1024);
    const now = Date.now();
    const old = new Date(now - 26 * HOUR);
    const stale = join(root, spool.instanceId, randomUUID());
    const fresh = join(root, spool.instanceId, randomUUID());
    const otherIdle = join(root, randomUUID());
    const otherBusy = join(root, randomUUID());
    const notOurs = join(root, 'lost+found');
    for (const folder of [stale, fresh, join(otherIdle, 'u'), join(otherBusy, 'u'), notOurs]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, '1.x'), 'part');
    }
    for (const path of [stale, join(otherIdle, 'u'), otherIdle, otherBusy, notOurs]) utimesSync(path, old, old);

    const removed = await spool.sweep(now);
    expect(removed.sort()).toEqual([stale, otherIdle].sort());
    expect(existsSync(fresh)).toBe(true);
    // Another process still writing under its folder keeps it, however old the folder itself is.
    expect(readFileSync(join(otherBusy, 'u', '1.x'), 'utf8')).toBe('part');
    expect(existsSync(notOurs)).toBe(true);
  });

  it('removes its own folder when the application stops', async () => {
    const spool = spoolIn(root, 1024);
    const writer = await spool.open(randomUUID(), 1, randomUUID(), 1);
    await writer!.write(Buffer.from('x'));
    await writer!.finish();
    expect(existsSync(join(root, spool.instanceId))).toBe(true);
    await spool.onModuleDestroy();
    expect(existsSync(join(root, spool.instanceId))).toBe(false);
  });
});
