/** Byte range of one part of a multipart upload; `end` is inclusive, as fs.createReadStream takes it. */
export interface PartRange {
  partNumber: number;
  start: number;
  end: number;
  length: number;
}

/** Parts of `partSize` bytes, the last one shorter; an empty file still has one (empty) part. */
export function partCountFor(size: number, partSize: number): number {
  if (!Number.isInteger(partSize) || partSize <= 0) throw new RangeError(`part size must be positive, not ${partSize}`);
  return Math.max(1, Math.ceil(size / partSize));
}

/** Where part `partNumber` (from 1, as S3 counts) lies in a file of `size` bytes. */
export function partRange(partNumber: number, partSize: number, size: number): PartRange {
  const count = partCountFor(size, partSize);
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > count) {
    throw new RangeError(`part ${partNumber} is outside 1..${count}`);
  }
  const start = (partNumber - 1) * partSize;
  const length = Math.min(partSize, size - start);
  return { partNumber, start, end: start + length - 1, length };
}

/** The part numbers of 1..partCount not in `completed`, ascending: what is left to send. */
export function missingParts(partCount: number, completed: Iterable<number>): number[] {
  const done = new Set(completed);
  const missing: number[] = [];
  for (let partNumber = 1; partNumber <= partCount; partNumber++) if (!done.has(partNumber)) missing.push(partNumber);
  return missing;
}

/** Bytes of the parts in `partNumbers`: how much of the file is already stored. */
export function bytesOfParts(partNumbers: Iterable<number>, partSize: number, size: number): number {
  let total = 0;
  for (const partNumber of partNumbers) total += partRange(partNumber, partSize, size).length;
  return total;
}
