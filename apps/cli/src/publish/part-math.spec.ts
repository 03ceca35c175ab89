import { describe, expect, it } from '@jest/globals';
import { bytesOfParts, missingParts, partCountFor, partRange } from './part-math.js';

const MIB = 1024 * 1024;

describe('part math', () => {
  it('splits a file into parts of the part size, the last one shorter', () => {
    const size = 12 * MIB + 345;
    expect(partCountFor(size, 5 * MIB)).toBe(3);
    expect(partRange(1, 5 * MIB, size)).toEqual({ partNumber: 1, start: 0, end: 5 * MIB - 1, length: 5 * MIB });
    expect(partRange(2, 5 * MIB, size)).toEqual({ partNumber: 2, start: 5 * MIB, end: 10 * MIB - 1, length: 5 * MIB });
    expect(partRange(3, 5 * MIB, size)).toEqual({
      partNumber: 3,
      start: 10 * MIB,
      end: size - 1,
      length: 2 * MIB + 345,
    });
  });

  it('covers every byte exactly once', () => {
    for (const [size, partSize] of [
      [1, 5],
      [5, 5],
      [6, 5],
      [10, 5],
      [10_001, 1000],
    ] as const) {
      const count = partCountFor(size, partSize);
      let next = 0;
      for (let partNumber = 1; partNumber <= count; partNumber++) {
        const range = partRange(partNumber, partSize, size);
        expect(range.start).toBe(next);
        expect(range.length).toBeGreaterThan(0);
        expect(range.end - range.start + 1).toBe(range.length);
        next = range.end + 1;
      }
      expect(next).toBe(size);
    }
  });

  it('gives an exact multiple no empty last part', () => {
    expect(partCountFor(10 * MIB, 5 * MIB)).toBe(2);
    expect(partRange(2, 5 * MIB, 10 * MIB).length).toBe(5 * MIB);
  });

  it('refuses part numbers outside the file and a zero part size', () => {
    expect(() => partRange(0, 5, 10)).toThrow(RangeError);
    expect(() => partRange(3, 5, 10)).toThrow(/outside 1..2/);
    expect(() => partCountFor(10, 0)).toThrow(RangeError);
  });

  it('lists the parts still to send, and the bytes already stored', () => {
    expect(missingParts(5, [2, 4])).toEqual([1, 3, 5]);
    expect(missingParts(3, [1, 2, 3])).toEqual([]);
    expect(missingParts(2, [])).toEqual([1, 2]);
    expect(bytesOfParts([1, 3], 5 * MIB, 12 * MIB)).toBe(7 * MIB);
  });
});
