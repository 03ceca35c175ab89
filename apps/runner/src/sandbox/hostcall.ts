/**
 * Synchronous host calls from a sandbox worker. Guest imports such as `secrets.get` and `http.fetch` are
 * synchronous to the guest, but their I/O runs on the main thread (which holds the secrets store and the
 * egress choke point). The worker posts the call, then blocks in `Atomics.wait` on a SharedArrayBuffer
 * until the main thread writes the reply there.
 *
 * Layout: Int32[0] sequence number of the call answered (written last, waited on), Int32[1] payload
 * length, payload from byte 8: [u32 header length][JSON header][raw body]. The body stays out of the
 * JSON so bytes are not base64-encoded. Calls are numbered from 1, so a late reply to an earlier call
 * can never be taken for the current one.
 */

const SEQUENCE = 0;
const LENGTH = 1;
const PAYLOAD_OFFSET = 8;

/** Room for the JSON header next to a body of the reply cap. */
const HEADER_ROOM_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface HostcallReply {
  header: unknown;
  body: Uint8Array;
}

/** A buffer that holds one reply with a body of up to `bodyMaxBytes`. */
export function createHostcallBuffer(bodyMaxBytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(PAYLOAD_OFFSET + 4 + HEADER_ROOM_BYTES + bodyMaxBytes);
}

/** Payload bytes a buffer can hold. */
export function hostcallCapacity(buffer: SharedArrayBuffer): number {
  return buffer.byteLength - PAYLOAD_OFFSET;
}

/**
 * Main side: writes the reply to call `sequence` and wakes the worker. Returns false, writing nothing,
 * when the reply does not fit; the caller then sends a smaller one (e.g. `too-large`).
 */
export function writeHostcallReply(
  buffer: SharedArrayBuffer,
  sequence: number,
  header: unknown,
  body: Uint8Array = new Uint8Array(0),
): boolean {
  const json = encoder.encode(JSON.stringify(header));
  const length = 4 + json.length + body.length;
  if (length > hostcallCapacity(buffer)) return false;
  const payload = new Uint8Array(buffer, PAYLOAD_OFFSET);
  new DataView(buffer, PAYLOAD_OFFSET).setUint32(0, json.length, true);
  payload.set(json, 4);
  payload.set(body, 4 + json.length);
  const control = new Int32Array(buffer, 0, 2);
  Atomics.store(control, LENGTH, length);
  Atomics.store(control, SEQUENCE, sequence);
  Atomics.notify(control, SEQUENCE);
  return true;
}

/**
 * Worker side: blocks until the reply to call `sequence` arrives, or answers undefined after
 * `timeoutMs`. The body is copied out of the shared buffer.
 */
export function waitForHostcallReply(
  buffer: SharedArrayBuffer,
  sequence: number,
  timeoutMs: number,
): HostcallReply | undefined {
  const control = new Int32Array(buffer, 0, 2);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = Atomics.load(control, SEQUENCE);
    if (seen === sequence) return readHostcallReply(buffer);
    const remaining = deadline - Date.now();
    if (remaining <= 0) return undefined;
    Atomics.wait(control, SEQUENCE, seen, remaining);
  }
}

/** Decodes the reply currently in the buffer. */
export function readHostcallReply(buffer: SharedArrayBuffer): HostcallReply {
  const length = Atomics.load(new Int32Array(buffer, 0, 2), LENGTH);
  const headerLength = new DataView(buffer, PAYLOAD_OFFSET).getUint32(0, true);
  const headerStart = PAYLOAD_OFFSET + 4;
  const header: unknown = JSON.parse(decoder.decode(new Uint8Array(buffer, headerStart, headerLength).slice()));
  const bodyStart = headerStart + headerLength;
  const body = new Uint8Array(buffer, bodyStart, PAYLOAD_OFFSET + length - bodyStart).slice();
  return { header, body };
}
