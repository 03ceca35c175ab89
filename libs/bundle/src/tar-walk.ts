import { BundleError } from './errors.js';
import { printable } from './entry-path.js';

const BLOCK = 512;
/** An extended header (PAX record set or GNU long name) longer than this is not a bundle's. */
const MAX_EXTENDED_HEADER_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** An entry as `tar -t` lists it; `type` is null for a type flag no reader here knows. */
export interface TarEntryHeader {
  name: string;
  type: TarEntryType | null;
  size: number;
  mode: number;
}

export type TarEntryType =
  'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

/**
 * What one chunk held, in order: an entry's header, pieces of its data (views of the chunk, valid only until
 * the next chunk is decoded into the same buffer), and the end of its data.
 */
export type TarEvent =
  { kind: 'entry'; header: TarEntryHeader } | { kind: 'data'; bytes: Buffer } | { kind: 'entry-end' };

type State =
  | { kind: 'header'; filled: number }
  | { kind: 'extended'; typeflag: string; size: number; chunks: Buffer[]; received: number }
  | { kind: 'data'; remaining: number; padding: number }
  | { kind: 'skip'; remaining: number }
  | { kind: 'end' };

const ENTRY_END: TarEvent = { kind: 'entry-end' };

/**
 * A synchronous, strict tar reader that reads each chunk where it lies, so the caller can decode the next
 * chunk into the same buffer: no per-chunk allocation, which is what kept the garbage collector busy.
 *
 * It reads the way GNU tar does where common readers differ: it stops at the first all-zero block and refuses
 * anything after it but zero padding (TRAILING_DATA), so a bundle cannot hold entries that `tar -t` never
 * shows; header numbers are read strictly, names must be UTF-8, and extensions read differently by different
 * readers (GNU sparse and multi-volume entries, global PAX records that rename or resize) are refused. Names
 * follow PAX `path` over a GNU long name over the ustar name and prefix; `type` and `mode` are read the way
 * tar-stream (the reader used before) read them, so the checks downstream see the same entries.
 */
export class TarWalker {
  private readonly header = Buffer.alloc(BLOCK);
  private state: State = { kind: 'header', filled: 0 };
  /** The `size` and `path` of a PAX header, which replace the next entry's own. */
  private paxSize: number | undefined;
  private paxPath: string | undefined;
  /** A local PAX header was read and no entry has come after it yet. */
  private paxPending = false;
  private longName: string | undefined;

  /** Reads `chunk`; the data events are views of it. */
  take(chunk: Buffer): TarEvent[] {
    const events: TarEvent[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      if (state.kind === 'end') {
        requireZeros(chunk.subarray(offset));
        return events;
      }
      if (state.kind === 'data') {
        const step = Math.min(state.remaining, chunk.length - offset);
        events.push({ kind: 'data', bytes: chunk.subarray(offset, offset + step) });
        state.remaining -= step;
        offset += step;
        if (state.remaining === 0) {
          events.push(ENTRY_END);
          this.state = state.padding === 0 ? { kind: 'header', filled: 0 } : { kind: 'skip', remaining: state.padding };
        }
      } else if (state.kind === 'skip') {
        const step = Math.min(state.remaining, chunk.length - offset);
        state.remaining -= step;
        offset += step;
        if (state.remaining === 0) this.state = { kind: 'header', filled: 0 };
      } else if (state.kind === 'extended') {
        const step = Math.min(state.size - state.received, chunk.length - offset);
        // Copied: the chunk's buffer is reused, and extended headers are small and rare.
        state.chunks.push(Buffer.from(chunk.subarray(offset, offset + step)));
        state.received += step;
        offset += step;
        if (state.received === state.size) this.finishExtended(state);
      } else {
        const step = Math.min(BLOCK - state.filled, chunk.length - offset);
        chunk.copy(this.header, state.filled, offset, offset + step);
        state.filled += step;
        offset += step;
        if (state.filled === BLOCK) this.readHeader(events);
      }
    }
    return events;
  }

  /** The input has ended: anywhere but between entries or after the end-of-archive block, it was cut short. */
  finish(): void {
    const state = this.state;
    if (state.kind === 'end' || (state.kind === 'header' && state.filled === 0)) return;
    throw new BundleError('TRUNCATED', 'the archive ends in the middle of an entry (incomplete upload?)');
  }

  private readHeader(events: TarEvent[]): void {
    const block = this.header;
    if (isZero(block)) {
      // GNU tar stops at the first zero block (a second one is customary, not required).
      this.state = { kind: 'end' };
      return;
    }
    checkChecksum(block);
    if (!isUstar(block) && !isGnu(block)) throw corrupt('a header is neither ustar nor GNU (unknown format)');
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const size = readNumber(block, 124, 12, 'size');
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_EXTENDED_HEADER_BYTES) {
        throw corrupt(`an extended header of ${size} bytes is larger than ${MAX_EXTENDED_HEADER_BYTES}`);
      }
      if (typeflag === 'x' && this.paxPending) {
        // Readers differ on whether a second one adds to the first or replaces it (a size kept or lost).
        throw corrupt('two PAX headers precede one entry');
      }
      this.state = { kind: 'extended', typeflag, size, chunks: [], received: 0 };
      if (size === 0) this.finishExtended(this.state);
      return;
    }
    if (typeflag === 'N' || typeflag === 'M' || typeflag === 'S' || typeflag === 'V' || typeflag === 'D') {
      // GNU extensions whose data or meaning other readers would read differently from GNU tar.
      throw corrupt(`entries of GNU type "${typeflag}" are not supported`);
    }
    const ustarName = headerName(block);
    // An empty long name or PAX path is no name: the header's own stands (as tar-stream read it).
    const name = this.paxPath || this.longName || ustarName;
    const effective = this.paxSize ?? size;
    const type = entryType(block[156] ?? 0);
    const directoryLike =
      typeflag === '5' || ((typeflag === '0' || typeflag === '\0') && (ustarName.endsWith('/') || name.endsWith('/')));
    this.paxSize = undefined;
    this.paxPath = undefined;
    this.paxPending = false;
    this.longName = undefined;
    if (directoryLike && effective !== 0) {
      // Readers disagree on whether a directory's size is followed by data.
      throw corrupt(`directory entry "${printable(name)}" has ${effective} bytes of data`);
    }
    events.push({ kind: 'entry', header: { name, type, size: effective, mode: legacyOctal(block, 100, 8) } });
    const padding = Math.ceil(effective / BLOCK) * BLOCK - effective;
    if (effective === 0) {
      events.push(ENTRY_END);
      this.state = { kind: 'header', filled: 0 };
    } else {
      this.state = { kind: 'data', remaining: effective, padding };
    }
  }

  private finishExtended(state: Extract<State, { kind: 'extended' }>): void {
    const data = Buffer.concat(state.chunks);
    if (state.typeflag === 'L' || state.typeflag === 'K') {
      const longName = utf8Name(data.subarray(0, nulIndex(data, 0, data.length)));
      if (state.typeflag === 'L') this.longName = longName;
    } else {
      const records = paxRecords(data);
      if (state.typeflag === 'g') {
        // Some readers apply global records only next to a local PAX header, GNU tar to every entry.
        for (const key of ['path', 'linkpath', 'size']) {
          if (records.has(key)) throw corrupt(`a global PAX header must not set "${key}"`);
        }
      } else {
        const size = records.get('size');
        if (size !== undefined) {
          if (!/^\d{1,15}$/.test(size)) throw corrupt(`PAX size "${printable(size)}" is not a byte count`);
          this.paxSize = Number(size);
        }
        this.paxPath = records.get('path');
        this.paxPending = true;
      }
    }
    const padded = Math.ceil(state.size / BLOCK) * BLOCK - state.size;
    this.state = padded === 0 ? { kind: 'header', filled: 0 } : { kind: 'skip', remaining: padded };
  }
}

const TYPES: Record<number, TarEntryType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
};

/** The type as tar-stream named it: from the flag alone (a NUL flag is a file). */
function entryType(flag: number): TarEntryType | null {
  return TYPES[flag === 0 ? 0 : flag - 0x30] ?? null;
}

const USTAR_MAGIC = Buffer.from('ustar\0', 'latin1');
const GNU_MAGIC = Buffer.from('ustar ', 'latin1');
const GNU_VERSION = Buffer.from(' \0', 'latin1');

function isUstar(block: Buffer): boolean {
  return block.subarray(257, 263).equals(USTAR_MAGIC);
}

function isGnu(block: Buffer): boolean {
  return block.subarray(257, 263).equals(GNU_MAGIC) && block.subarray(263, 265).equals(GNU_VERSION);
}

/**
 * A numeric field read leniently, as tar-stream read the mode: base-256, or octal digits after spaces up to
 * the first space (NaN, hence no execute bit, if none parse). Only the mode is read so; sizes are strict.
 */
function legacyOctal(block: Buffer, offset: number, length: number): number {
  const bytes = block.subarray(offset, offset + length);
  const first = bytes[0] ?? 0;
  if (first & 0x80) {
    // Base-256: 0x80 leads a positive number, 0xff a negative one; tar-stream read any other lead as null.
    if (first !== 0x80 && first !== 0xff) return 0;
    let value = 0;
    for (const byte of bytes.subarray(1)) value = value * 256 + (first === 0x80 ? byte : 0xff - byte);
    return first === 0x80 ? value : -value;
  }
  let start = 0;
  while (start < bytes.length && bytes[start] === 0x20) start++;
  let end = bytes.indexOf(0x20, start);
  if (end === -1) end = bytes.length;
  while (start < end && bytes[start] === 0) start++;
  if (end === start) return 0;
  return parseInt(bytes.toString('utf8', start, end), 8);
}

function isZero(bytes: Buffer): boolean {
  for (let offset = 0; offset < bytes.length; offset += ZEROS.length) {
    const slice = bytes.subarray(offset, offset + ZEROS.length);
    if (!slice.equals(ZEROS.subarray(0, slice.length))) return false;
  }
  return true;
}

function requireZeros(bytes: Buffer): void {
  if (!isZero(bytes)) {
    throw new BundleError(
      'TRAILING_DATA',
      'the bundle has data after the end of its tar archive (only zero padding may follow the end-of-archive block)',
    );
  }
}

/** The header checksum: the sum of all bytes with the checksum field counted as spaces (POSIX ustar). */
function checkChecksum(block: Buffer): void {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] ?? 0;
  // Such a block is "empty" to tar-stream (which would skip it) but a header to GNU tar.
  if (sum === 8 * 0x20) throw corrupt('a header block is empty but for its checksum');
  if (readNumber(block, 148, 8, 'checksum') !== sum) throw corrupt('a tar header checksum does not match');
}

/**
 * A numeric header field, as strictly as GNU tar reads it: octal digits after optional spaces, ended by a
 * space or NUL; or base-256 (high bit set), which must be non-negative and exact in a JavaScript number.
 */
function readNumber(block: Buffer, offset: number, length: number, field: string): number {
  const bytes = block.subarray(offset, offset + length);
  if ((bytes[0] ?? 0) & 0x80) {
    if (bytes[0] === 0xff) throw corrupt(`a negative ${field} in a tar header`);
    let value = (bytes[0] ?? 0) & 0x7f;
    for (const byte of bytes.subarray(1)) value = value * 256 + byte;
    if (!Number.isSafeInteger(value)) throw corrupt(`the ${field} in a tar header is out of range`);
    return value;
  }
  let index = 0;
  while (index < bytes.length && bytes[index] === 0x20) index++;
  let value = 0;
  let digits = 0;
  for (; index < bytes.length; index++, digits++) {
    const byte = bytes[index] ?? 0;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
  }
  for (; index < bytes.length; index++) {
    if (bytes[index] !== 0x20 && bytes[index] !== 0) throw corrupt(`the ${field} in a tar header is not octal`);
  }
  if (digits === 0 && field !== 'size') throw corrupt(`the ${field} in a tar header is missing`);
  return value;
}

/** The ustar name (with its prefix), checked to be UTF-8. */
function headerName(block: Buffer): string {
  const name = utf8Name(block.subarray(0, nulIndex(block, 0, 100)));
  if (!isUstar(block) || block[345] === 0) return name;
  return `${utf8Name(block.subarray(345, nulIndex(block, 345, 500)))}/${name}`;
}

function nulIndex(bytes: Buffer, start: number, end: number): number {
  const index = bytes.subarray(start, end).indexOf(0);
  return index === -1 ? end : start + index;
}

function utf8Name(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const shown = printable(bytes.toString('latin1'));
    throw new BundleError('UNSAFE_PATH', `entry name "${shown}" is not valid UTF-8`, { entry: shown });
  }
}

/** PAX records (`<length> <key>=<value>\n`), parsed strictly. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const lengthText = space === -1 ? '' : data.toString('latin1', offset, space);
    if (!/^[1-9]\d{0,9}$/.test(lengthText)) throw corrupt('a PAX record has no valid length');
    const end = offset + Number(lengthText);
    if (end > data.length || data[end - 1] !== 0x0a) throw corrupt('a PAX record is malformed');
    const equals = data.indexOf(0x3d, space + 1);
    if (equals <= space + 1 || equals >= end) throw corrupt('a PAX record has no key');
    const key = data.toString('latin1', space + 1, equals);
    const value = data.subarray(equals + 1, end - 1);
    // Names must be UTF-8; other values (xattrs, say) may be any bytes and are not used.
    records.set(key, key === 'path' || key === 'linkpath' ? utf8Name(value) : value.toString('latin1'));
    offset = end;
  }
  return records;
}

function corrupt(reason: string): BundleError {
  return new BundleError('CORRUPT_ARCHIVE', `the bundle is not a valid tar archive: ${reason}`);
}
