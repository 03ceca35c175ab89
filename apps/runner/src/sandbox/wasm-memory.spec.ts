import { describe, expect, it } from '@jest/globals';
import { capMemory, readMemoryLimits, WasmMemoryError } from './wasm-memory.js';

interface TestMemory {
  grow(pages: number): number;
  buffer: ArrayBuffer;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function leb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest) byte |= 0x80;
    out.push(byte);
  } while (rest);
  return out;
}

const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
const name = (text: string) => [...leb(text.length), ...Buffer.from(text)];

/** A module with a custom section, one memory (flags, min, max?) exported as "memory", and a trailing custom section. */
function moduleWithMemory(min: number, max?: number, flags = max === undefined ? 0 : 1): Uint8Array {
  const limits = [flags, ...leb(min), ...(max === undefined ? [] : leb(max))];
  return Uint8Array.from([
    ...HEADER,
    ...section(0, [...name('before'), 1, 2, 3]),
    ...section(5, [1, ...limits]),
    ...section(7, [1, ...name('memory'), 0x02, 0]),
    ...section(0, [...name('after'), 4, 5]),
  ]);
}

// The workspace compiles without the DOM lib, which declares WebAssembly.
const { WebAssembly: webAssembly } = globalThis as unknown as {
  WebAssembly: { instantiate(bytes: Uint8Array): Promise<{ instance: { exports: { memory: TestMemory } } }> };
};

async function exportedMemory(bytes: Uint8Array): Promise<TestMemory> {
  const { instance } = await webAssembly.instantiate(bytes);
  return instance.exports.memory;
}

describe('readMemoryLimits', () => {
  it('reads the minimum and a missing maximum', () => {
    expect(readMemoryLimits(moduleWithMemory(2))).toEqual({ count: 1, flags: 0, minimum: 2 });
  });

  it('reads multi-byte minimum and maximum', () => {
    expect(readMemoryLimits(moduleWithMemory(145, 40_000))).toEqual({
      count: 1,
      flags: 1,
      minimum: 145,
      maximum: 40_000,
    });
  });

  it('answers undefined for a module without memory', () => {
    expect(readMemoryLimits(Uint8Array.from(HEADER))).toBeUndefined();
  });

  it('refuses bytes that are not a core module', () => {
    expect(() => readMemoryLimits(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(WasmMemoryError);
    // A component has the same magic with layer 1 in the version field.
    expect(() => readMemoryLimits(Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]))).toThrow(
      /component/,
    );
  });

  it('refuses a section that runs past the end', () => {
    expect(() => readMemoryLimits(Uint8Array.from([...HEADER, 5, 10, 1, 0]))).toThrow(/past the end/);
  });
});

describe('capMemory', () => {
  it('sets the maximum so the memory cannot grow past the cap', async () => {
    const uncapped = await exportedMemory(moduleWithMemory(2));
    expect(uncapped.grow(8)).toBe(2);

    const capped = capMemory(moduleWithMemory(2), 3);
    expect(readMemoryLimits(capped)).toEqual({ count: 1, flags: 1, minimum: 2, maximum: 3 });
    const memory = await exportedMemory(capped);
    expect(memory.grow(1)).toBe(2);
    expect(memory.buffer.byteLength).toBe(3 * 65_536);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  it('keeps the sections after the memory section intact when the section grows', async () => {
    const capped = capMemory(moduleWithMemory(200), 65_536);
    expect(readMemoryLimits(capped)).toEqual({ count: 1, flags: 1, minimum: 200, maximum: 65_536 });
    const memory = await exportedMemory(capped);
    expect(memory.buffer.byteLength).toBe(200 * 65_536);
  });

  it('keeps a declared maximum that is already below the cap', () => {
    expect(readMemoryLimits(capMemory(moduleWithMemory(1, 4), 16))?.maximum).toBe(4);
    expect(readMemoryLimits(capMemory(moduleWithMemory(1, 40), 16))?.maximum).toBe(16);
  });

  it('returns a module without memory unchanged', () => {
    const bytes = Uint8Array.from([...HEADER, ...section(0, [...name('x')])]);
    expect(capMemory(bytes, 16)).toBe(bytes);
  });

  it('refuses an initial memory over the cap, shared memories and bad caps', () => {
    expect(() => capMemory(moduleWithMemory(20), 16)).toThrow(/over the cap/);
    expect(() => capMemory(moduleWithMemory(1, 2, 0x03), 16)).toThrow(/unsupported memory flags/);
    expect(() => capMemory(moduleWithMemory(1), 0)).toThrow(/out of range/);
    expect(() => capMemory(moduleWithMemory(1), 65_537)).toThrow(/out of range/);
  });
});
