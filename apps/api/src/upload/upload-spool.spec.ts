import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiConfig } from '../config/api-config.js';
import { UploadSpool, type SpoolWriter } from './upload-spool.js';

const HOUR = 3600 * 1000;
const LATER = new Date(Date.now() + HOUR);

function spoolIn(root: string, maxBytes: number): UploadSpool {
  const config = { upload: { spoolDir: root, spoolMaxBytes: maxBytes, sessionTtlSeconds: 24 * 3600 } };
  return new UploadSpool(config as unknown as ApiConfig);
}

const md5 = (data: Buffer): string => createHash('md5').update(data).digest('hex');

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const copies: Buffer[] = [];
  for await (const chunk of chunks) copies.push(Buffer.from(chunk));
  return Buffer.concat(copies);
}

async function opened(spool: UploadSpool, upload: string, part: number, attempt: string, size: number) {
  const writer = await spool.open(upload, part, attempt, size, LATER);
  if (!writer) throw new Error('no writer');
  return writer;
}

async function writeAll(writer: SpoolWriter, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; offset += 65_536)
    await writer.write(data.subarray(offset, offset + 65_536));
}

describe('UploadSpool', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'extplat-spool-unit-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes parts in batches, hashes them with MD5, and reads them back in order as one stream', async () => {
    const spool = spoolIn(root, 10 * 1024 * 1024);
    const upload = randomUUID();
    const parts = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(1024 * 1024 - 1)];
    const attempts = parts.map(() => randomUUID());
    for (const [index, part] of parts.entries()) {
      const writer = await opened(spool, upload, index + 1, attempts[index] ?? '', part.length);
      await writeAll(writer, part);
      expect(await writer.finish()).toEqual({ complete: true, md5: md5(part) });
    }
    const reader = await spool.reader(
      upload,
      parts.map((part, index) => ({
        partNumber: index + 1,
        attemptId: attempts[index] ?? '',
        size: part.length,
        md5: md5(part),
      })),
    );
    if (!reader) throw new Error('no reader');
    expect((await collect(reader)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('says a copy is incomplete when fewer bytes than the part were written, or the file failed', async () => {
    const spool = spoolIn(root, 1024);
    const short = await opened(spool, randomUUID(), 1, randomUUID(), 100);
    await short.write(randomBytes(99));
    expect((await short.finish()).complete).toBe(false);
    // Finishing twice is harmless and answers the same.
    expect((await short.finish()).complete).toBe(false);
  });

  it('has no reader when a file is missing or of another size', async () => {
    const spool = spoolIn(root, 1024);
    const upload = randomUUID();
    const attemptId = randomUUID();
    const writer = await opened(spool, upload, 1, attemptId, 10);
    const data = randomBytes(10);
    await writer.write(data);
    await writer.finish();
    const part = { partNumber: 1, attemptId, size: 10, md5: md5(data) };
    expect(await spool.reader(upload, [{ ...part, size: 11 }])).toBeUndefined();
    expect(await spool.reader(upload, [{ ...part, attemptId: randomUUID() }])).toBeUndefined();
    expect(await spool.reader(upload, [part])).toBeDefined();
  });

  it('fails the stream at the end of a part whose copy changed on disk since it was written', async () => {
    const spool = spoolIn(root, 1024 * 1024);
    const upload = randomUUID();
    const data = [randomBytes(3000), randomBytes(3000)];
    const parts = [];
    for (const [index, bytes] of data.entries()) {
      const attemptId = randomUUID();
      const writer = await opened(spool, upload, index + 1, attemptId, bytes.length);
      await writer.write(bytes);
      await writer.finish();
      parts.push({ partNumber: index + 1, attemptId, size: bytes.length, md5: md5(bytes) });
    }
    const second = join(root, spool.instanceId, upload, `2.${parts[1]?.attemptId}`);
    const changed = Buffer.from(data[1] ?? []);
    changed[1500] = (changed[1500] ?? 0) ^ 1;
    writeFileSync(second, changed);
    const reader = await spool.reader(upload, parts);
    if (!reader) throw new Error('no reader');
    await expect(collect(reader)).rejects.toThrow('the local copy of part 2 changed on disk');
  });

  it('counts space per send: a send released after its upload was discarded takes nothing from others', async () => {
    const spool = spoolIn(root, 100);
    const upload = randomUUID();
    const slow = { partNumber: 1, attemptId: randomUUID(), size: 40 };
    const slowWriter = await opened(spool, upload, slow.partNumber, slow.attemptId, slow.size);
    await spool.discard(upload);
    const later = await opened(spool, upload, 3, randomUUID(), 30);
    await later.finish();
    expect(spool.usedBytes).toBe(30);
    await slowWriter.finish();
    await spool.release(upload, slow);
    expect(spool.usedBytes).toBe(30);
  });

  it('copies no more parts of an upload whose copy was given up, until its session expires', async () => {
    const spool = spoolIn(root, 100);
    const upload = randomUUID();
    await (await opened(spool, upload, 1, randomUUID(), 10)).finish();
    await spool.discard(upload, { refuseUntil: LATER });
    expect(await spool.open(upload, 2, randomUUID(), 10, LATER)).toBeUndefined();
    expect(spool.usedBytes).toBe(0);
  });

  it('refuses an upload given up before any of its parts was copied (a first send through another API)', async () => {
    const spool = spoolIn(root, 100);
    const upload = randomUUID();
    await spool.discard(upload, { refuseUntil: LATER });
    expect(await spool.open(upload, 2, randomUUID(), 10, LATER)).toBeUndefined();
  });

  it('removes the upload folder with the release of its last send', async () => {
    const spool = spoolIn(root, 100);
    const upload = randomUUID();
    const part = { partNumber: 1, attemptId: randomUUID(), size: 10 };
    await (await opened(spool, upload, part.partNumber, part.attemptId, part.size)).finish();
    await spool.release(upload, part);
    expect(existsSync(join(root, spool.instanceId, upload))).toBe(false);
  });

  it('drops the copies of uploads another process ended, when its sweep asks', async () => {
    const spool = spoolIn(root, 100);
    const ended = randomUUID();
    const open = randomUUID();
    await (await opened(spool, ended, 1, randomUUID(), 10)).finish();
    await (await opened(spool, open, 1, randomUUID(), 10)).finish();
    const asked: string[][] = [];
    spool.watchEndedUploads((ids) => {
      asked.push([...ids].sort());
      return Promise.resolve(ids.filter((id) => id === ended));
    });
    const removed = await spool.sweep();
    expect(asked).toEqual([[ended, open].sort()]);
    expect(removed).toEqual([join(root, spool.instanceId, ended)]);
    expect(spool.usedBytes).toBe(10);
    expect(existsSync(join(root, spool.instanceId, open))).toBe(true);
  });

  it('copies no part past its limit, gives space back on release and discard, and is off at 0', async () => {
    const spool = spoolIn(root, 100);
    const first = randomUUID();
    const attemptId = randomUUID();
    await (await opened(spool, first, 1, attemptId, 60)).finish();
    expect(await spool.open(randomUUID(), 1, randomUUID(), 60, LATER)).toBeUndefined();
    await spool.release(first, { partNumber: 1, attemptId, size: 60 });
    expect(spool.usedBytes).toBe(0);
    expect(existsSync(join(root, spool.instanceId, first, `1.${attemptId}`))).toBe(false);
    const second = randomUUID();
    await (await opened(spool, second, 1, randomUUID(), 60)).finish();
    await spool.discard(second);
    expect(existsSync(join(root, spool.instanceId, second))).toBe(false);
    expect(spool.usedBytes).toBe(0);
    await (await opened(spool, randomUUID(), 1, randomUUID(), 60)).finish();
    const off = spoolIn(root, 0);
    expect(off.enabled).toBe(false);
    expect(await off.open(randomUUID(), 1, randomUUID(), 1, LATER)).toBeUndefined();
  });

  it('keeps nothing reserved when its folder cannot be written', async () => {
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const spool = spoolIn(file, 100);
    expect(await spool.open(randomUUID(), 1, randomUUID(), 60, LATER)).toBeUndefined();
    expect(spool.usedBytes).toBe(0);
  });

  it('sweeps copies of expired sessions, old leftovers of its own, and folders of processes gone quiet', async () => {
    const spool = spoolIn(root, 1024);
    const now = Date.now();
    const expired = randomUUID();
    await (await spool.open(expired, 1, randomUUID(), 10, new Date(now - 1000)))?.finish();
    const live = randomUUID();
    await (await opened(spool, live, 1, randomUUID(), 10)).finish();
    const old = new Date(now - 26 * HOUR);
    const leftover = join(root, spool.instanceId, randomUUID());
    const gone = join(root, randomUUID());
    const alive = join(root, randomUUID());
    const notOurs = join(root, 'lost+found');
    for (const folder of [leftover, join(gone, 'u'), join(alive, 'u'), notOurs]) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, '1.x'), 'part');
    }
    const quiet = new Date(now - 6 * 60 * 1000);
    utimesSync(leftover, old, old);
    utimesSync(gone, quiet, quiet);
    utimesSync(notOurs, old, old);

    const removed = await spool.sweep(now);
    expect(removed.sort()).toEqual([join(root, spool.instanceId, expired), leftover, gone].sort());
    expect(spool.usedBytes).toBe(10);
    expect(existsSync(join(root, spool.instanceId, live))).toBe(true);
    // A process that marked its folder within the last five minutes keeps it.
    expect(readFileSync(join(alive, 'u', '1.x'), 'utf8')).toBe('part');
    expect(existsSync(notOurs)).toBe(true);
  });

  it('marks its own folder alive on every sweep', async () => {
    const spool = spoolIn(root, 1024);
    await (await opened(spool, randomUUID(), 1, randomUUID(), 1)).finish();
    const folder = join(root, spool.instanceId);
    const quiet = new Date(Date.now() - 10 * 60 * 1000);
    utimesSync(folder, quiet, quiet);
    const other = spoolIn(root, 1024);
    await spool.sweep();
    expect(await other.sweep()).toEqual([]);
    expect(existsSync(folder)).toBe(true);
  });

  it('removes its own folder when the application stops', async () => {
    const spool = spoolIn(root, 1024);
    const writer = await opened(spool, randomUUID(), 1, randomUUID(), 1);
    await writer.write(Buffer.from('x'));
    await writer.finish();
    expect(existsSync(join(root, spool.instanceId))).toBe(true);
    await spool.onModuleDestroy();
    expect(existsSync(join(root, spool.instanceId))).toBe(false);
  });
});
