/**
 * Reads and rewrites the memory section of a core WebAssembly module, so the platform can cap an
 * instance's linear memory before compiling. `resourceLimits` on a worker caps only the JS heap; without
 * a declared maximum a wasm32 memory may grow to 4 GiB. Only the shape componentize-js emits is handled:
 * one defined 32-bit, non-shared memory (an imported memory is capped by the module that defines it).
 */

/** 64 KiB, the unit of wasm memory sizes. */
export const WASM_PAGE_BYTES = 65_536;

const MEMORY_SECTION = 5;
const HAS_MAXIMUM = 0x01;

export interface MemoryLimits {
  /** Number of memories the module defines. */
  count: number;
  flags: number;
  /** Initial size in pages. */
  minimum: number;
  /** Maximum size in pages, when declared. */
  maximum?: number;
}

export class WasmMemoryError extends Error {
  override readonly name = 'WasmMemoryError';
}

function readU32(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= bytes.length) throw new WasmMemoryError('truncated LEB128 number');
    if (shift > 28) throw new WasmMemoryError('LEB128 number too long for u32');
    const byte = bytes[position++]!;
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  if (value > 0xffff_ffff) throw new WasmMemoryError('LEB128 number out of u32 range');
  return [value, position];
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

interface Section {
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the section's content. */
  content: number;
  end: number;
}

function findMemorySection(bytes: Uint8Array): Section | undefined {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmMemoryError('not a WebAssembly module');
  }
  if (bytes[4] !== 0x01 || bytes[5] !== 0x00 || bytes[6] !== 0x00 || bytes[7] !== 0x00) {
    throw new WasmMemoryError('not a core module of binary version 1 (a component?)');
  }
  let position = 8;
  while (position < bytes.length) {
    const start = position;
    const id = bytes[position++]!;
    const [size, content] = readU32(bytes, position);
    const end = content + size;
    if (end > bytes.length) throw new WasmMemoryError('section runs past the end of the module');
    if (id === MEMORY_SECTION) return { start, content, end };
    position = end;
  }
  return undefined;
}

/** The module's memory limits, or undefined when it defines no memory. */
export function readMemoryLimits(bytes: Uint8Array): MemoryLimits | undefined {
  const section = findMemorySection(bytes);
  if (!section) return undefined;
  const [count, flagsAt] = readU32(bytes, section.content);
  if (count === 0) return undefined;
  const flags = bytes[flagsAt]!;
  const [minimum, maximumAt] = readU32(bytes, flagsAt + 1);
  const limits: MemoryLimits = { count, flags, minimum };
  if (flags & HAS_MAXIMUM) [limits.maximum] = readU32(bytes, maximumAt);
  return limits;
}

/**
 * A copy of `bytes` whose single memory has maximum `maxPages`. A module that defines no memory is
 * returned unchanged; a declared maximum below the cap is kept.
 */
export function capMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 1 || maxPages > 65_536) {
    throw new WasmMemoryError(`memory cap of ${maxPages} pages is out of range`);
  }
  const section = findMemorySection(bytes);
  if (!section) return bytes;
  const limits = readMemoryLimits(bytes);
  if (!limits) return bytes;
  if (limits.count !== 1) throw new WasmMemoryError(`expected one memory, found ${limits.count}`);
  if ((limits.flags & ~HAS_MAXIMUM) !== 0) {
    throw new WasmMemoryError(`unsupported memory flags 0x${limits.flags.toString(16)} (shared or 64-bit memory)`);
  }
  if (limits.minimum > maxPages) {
    throw new WasmMemoryError(`initial memory of ${limits.minimum} pages is over the cap of ${maxPages} pages`);
  }
  const maximum = Math.min(limits.maximum ?? maxPages, maxPages);
  const content = [...encodeU32(1), HAS_MAXIMUM, ...encodeU32(limits.minimum), ...encodeU32(maximum)];
  const replacement = Uint8Array.from([MEMORY_SECTION, ...encodeU32(content.length), ...content]);
  const out = new Uint8Array(bytes.length - (section.end - section.start) + replacement.length);
  out.set(bytes.subarray(0, section.start), 0);
  out.set(replacement, section.start);
  out.set(bytes.subarray(section.end), section.start + replacement.length);
  return out;
}
