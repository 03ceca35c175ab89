import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { bytesOfParts, isPartNumber, missingParts, partCountFor, partLength, partRange } from './part-math.js';

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

  it('refuses a negative or fractional size', () => {
    expect(() => partCountFor(-1, 5)).toThrow(RangeError);
    expect(() => partCountFor(1.5, 5)).toThrow(RangeError);
    expect(isPartNumber(1.5, 3)).toBe(false);
  });

  it('gives an empty file one empty part', () => {
    expect(partCountFor(0, 5)).toBe(1);
    expect(partRange(1, 5, 0)).toEqual({ partNumber: 1, start: 0, end: -1, length: 0 });
  });
});

describe('part math, for any size and part size', () => {
  const sizes = fc.record({
    partSize: fc.integer({ min: 1, max: 64 * MIB }),
    size: fc.integer({ min: 0, max: 2 ** 40 }),
  });

  it('tiles the file: parts are contiguous, full-sized but the last, and add up to the size', () => {
    fc.assert(
      fc.property(sizes, ({ partSize, size }) => {
        const count = partCountFor(size, partSize);
        // Checking every part of a terabyte file of 1-byte parts would take forever: check the ends.
        const sample = [...new Set([1, 2, Math.floor(count / 2), count - 1, count])].filter(
          (n) => n >= 1 && n <= count,
        );
        for (const partNumber of sample) {
          const range = partRange(partNumber, partSize, size);
          expect(range.start).toBe((partNumber - 1) * partSize);
          expect(range.end - range.start + 1).toBe(range.length);
          if (partNumber < count) expect(range.length).toBe(partSize);
          else expect(range.end).toBe(size - 1);
        }
        const last = partLength(count, partSize, size);
        expect(last).toBeGreaterThan(size === 0 ? -1 : 0);
        expect(last).toBeLessThanOrEqual(partSize);
        expect((count - 1) * partSize + last).toBe(size);
      }),
    );
  });

  it('agrees on every part of small files, and missing plus stored parts are the whole file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.array(fc.integer({ min: 1, max: 200 })),
        (partSize, size, picked) => {
          const count = partCountFor(size, partSize);
          let next = 0;
          for (let partNumber = 1; partNumber <= count; partNumber++) {
            const range = partRange(partNumber, partSize, size);
            expect(range.start).toBe(next);
            next = range.end + 1;
          }
          expect(next).toBe(size);
          const stored = [...new Set(picked.filter((n) => isPartNumber(n, count)))];
          const missing = missingParts(count, stored);
          expect(missing.length + stored.length).toBe(count);
          expect(bytesOfParts(stored, partSize, size) + bytesOfParts(missing, partSize, size)).toBe(size);
          expect(() => partRange(count + 1, partSize, size)).toThrow(RangeError);
        },
      ),
    );
  });
});
