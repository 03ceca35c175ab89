import { PassThrough, Readable, Transform, pipeline } from 'node:stream';

/** A body carried a different number of bytes than its declared length: a caller bug, not a storage failure. */
export class BodyLengthError extends RangeError {
  override readonly name = 'BodyLengthError';

  constructor(
    readonly expected: number,
    actual: string,
  ) {
    super(`body has ${actual} bytes, expected ${expected}`);
  }
}

export function assertBufferLength(body: Uint8Array, expected: number | undefined): void {
  if (expected !== undefined && body.length !== expected) throw new BodyLengthError(expected, String(body.length));
}

/**
 * `source`, failing as soon as it carries more than `expected` bytes or ends with fewer. S3 servers do not
 * check this themselves: a longer stream is silently truncated (and its excess poisons the keep-alive
 * socket), a shorter one leaves the request waiting until the socket times out.
 */
export function withExactLength(source: Readable, expected: number): Readable {
  let seen = 0;
  const check = new Transform({
    transform(chunk: Uint8Array, _encoding, callback) {
      seen += chunk.length;
      if (seen > expected) callback(new BodyLengthError(expected, `more than ${expected}`));
      else callback(null, chunk);
    },
    flush(callback) {
      callback(seen === expected ? null : new BodyLengthError(expected, String(seen)));
    },
  });
  // pipeline forwards a source failure to `check` (its consumer sees it) and destroys the source if `check`
  // is destroyed; the callback only keeps the error from being reported twice.
  pipeline(source, check, () => undefined);
  return check;
}

/**
 * A body made ready for a driver before its first `await`: a stream is listened to from here on, so a
 * failure while the driver is busy elsewhere (creating a folder, reading an upload record) reaches
 * whoever reads the result instead of being an 'error' event nobody hears, which ends the process. With
 * a known length, a body of another length fails too (see withExactLength).
 */
export function listenedBody(body: Readable | Uint8Array, expectedLength: number | undefined): Readable | Uint8Array {
  if (body instanceof Uint8Array) {
    assertBufferLength(body, expectedLength);
    return body;
  }
  if (expectedLength !== undefined) return withExactLength(body, expectedLength);
  const carried = new PassThrough();
  pipeline(body, carried, () => undefined);
  return carried;
}

/**
 * Cuts `source` into consecutive parts of exactly `partSize` bytes (the last one may be shorter) without
 * holding more than one part in memory: every part is a view of the same buffer, valid only until the
 * consumer asks for the next one. Stopping early destroys `source`.
 */
export async function* fixedSizeParts(source: Readable, partSize: number): AsyncGenerator<Buffer, void, undefined> {
  const buffer = Buffer.allocUnsafe(partSize);
  let filled = 0;
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let offset = 0;
    while (offset < bytes.length) {
      const copied = Math.min(partSize - filled, bytes.length - offset);
      buffer.set(bytes.subarray(offset, offset + copied), filled);
      filled += copied;
      offset += copied;
      if (filled === partSize) {
        yield buffer;
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
