/**
 * How a bundle is cut into the parts of a multipart upload. The API decides the part size and checks each
 * part's length; the CLI and the console cut the file the same way. S3 numbers parts from 1.
 */

/** Byte range of one part; `end` is inclusive, as fs.createReadStream takes it (`Blob.slice` wants end + 1). */
export interface PartRange {
  partNumber: number;
  start: number;
  end: number;
  length: number;
}

/** Parts of `partSize` bytes, the last one shorter; an empty file still has one (empty) part. */
export function partCountFor(size: number, partSize: number): number {
  if (!Number.isSafeInteger(partSize) || partSize <= 0)
    throw new RangeError(`part size must be positive, not ${partSize}`);
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError(`size must be a whole number of bytes, not ${size}`);
  return Math.max(1, Math.ceil(size / partSize));
}

/** Whether `partNumber` names one of the parts 1..partCount. */
export function isPartNumber(partNumber: number, partCount: number): boolean {
  return Number.isInteger(partNumber) && partNumber >= 1 && partNumber <= partCount;
}

/** Where part `partNumber` lies in a file of `size` bytes. */
export function partRange(partNumber: number, partSize: number, size: number): PartRange {
  const count = partCountFor(size, partSize);
  if (!isPartNumber(partNumber, count)) throw new RangeError(`part ${partNumber} is outside 1..${count}`);
  const start = (partNumber - 1) * partSize;
  const length = Math.min(partSize, size - start);
  return { partNumber, start, end: start + length - 1, length };
}

/** The length of part `partNumber`: the part size, except for a shorter last part. */
export function partLength(partNumber: number, partSize: number, size: number): number {
  return partRange(partNumber, partSize, size).length;
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
  for (const partNumber of partNumbers) total += partLength(partNumber, partSize, size);
  return total;
}
