import { describe, expect, it } from '@jest/globals';
import {
  createHostcallBuffer,
  hostcallCapacity,
  readHostcallReply,
  waitForHostcallReply,
  writeHostcallReply,
} from './hostcall.js';

describe('host-call replies', () => {
  it('round-trips a JSON header and raw body bytes', () => {
    const buffer = createHostcallBuffer(1024);
    const body = Uint8Array.from([0, 1, 2, 250, 255]);
    expect(writeHostcallReply(buffer, 1, { op: 'fetch', ok: true, status: 201, headers: [['a', 'é']] }, body)).toBe(
      true,
    );
    const reply = waitForHostcallReply(buffer, 1, 0);
    expect(reply).toEqual({ header: { op: 'fetch', ok: true, status: 201, headers: [['a', 'é']] }, body });
  });

  it('copies the body out of the shared buffer', () => {
    const buffer = createHostcallBuffer(16);
    writeHostcallReply(buffer, 1, {}, Uint8Array.from([7, 7, 7]));
    const { body } = readHostcallReply(buffer);
    writeHostcallReply(buffer, 2, {}, Uint8Array.from([9, 9, 9]));
    expect(body.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect([...body]).toEqual([7, 7, 7]);
  });

  it('answers an empty body when there is none', () => {
    const buffer = createHostcallBuffer(16);
    writeHostcallReply(buffer, 3, { op: 'secret', value: null });
    expect(waitForHostcallReply(buffer, 3, 0)).toEqual({
      header: { op: 'secret', value: null },
      body: new Uint8Array(),
    });
  });

  it('refuses a reply over the capacity and leaves the buffer untouched', () => {
    const buffer = createHostcallBuffer(100);
    writeHostcallReply(buffer, 1, { small: true });
    const tooBig = new Uint8Array(hostcallCapacity(buffer));
    expect(writeHostcallReply(buffer, 2, { big: true }, tooBig)).toBe(false);
    expect(waitForHostcallReply(buffer, 2, 10)).toBeUndefined();
    expect(readHostcallReply(buffer).header).toEqual({ small: true });
  });

  it('fits a body of the configured size', () => {
    const buffer = createHostcallBuffer(4096);
    expect(
      writeHostcallReply(buffer, 1, { op: 'fetch', ok: true, status: 200, headers: [] }, new Uint8Array(4096)),
    ).toBe(true);
    expect(waitForHostcallReply(buffer, 1, 0)?.body.length).toBe(4096);
  });

  it('times out without a reply, and ignores a reply to another call', () => {
    const buffer = createHostcallBuffer(16);
    const started = Date.now();
    expect(waitForHostcallReply(buffer, 1, 30)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    writeHostcallReply(buffer, 1, { late: true });
    expect(waitForHostcallReply(buffer, 2, 20)).toBeUndefined();
    writeHostcallReply(buffer, 2, { current: true });
    expect(waitForHostcallReply(buffer, 2, 20)?.header).toEqual({ current: true });
  });
});
