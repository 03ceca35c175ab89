import { BundleError } from './errors.js';
import { printable } from './entry-path.js';

const BLOCK = 512;
/** An extended header (PAX record set or GNU long name) longer than this is not a bundle's. */
const MAX_EXTENDED_HEADER_BYTES = 64 * 1024;
const ZEROS = Buffer.alloc(64 * 1024);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The size of one entry as the walk saw it, for the extractor's view to be checked against. */
export interface TarEntryFrame {
  size: number;
}

type State =
  | { kind: 'header'; filled: number }
  | { kind: 'extended'; typeflag: string; size: number; chunks: Buffer[]; received: number }
  | { kind: 'skip'; remaining: number }
  | { kind: 'end' };

/**
 * Follows the block structure of a tar stream ahead of the extractor and finds where the archive ends.
 *
 * tar-stream skips an all-zero block and reads on, while GNU tar (and every other common reader) stops at
 * the first one: a bundle could hold entries that `tar -t` never shows. {@link take} passes on the bytes up
 * to and including the end-of-archive block and refuses anything after it but zero padding
 * (TRAILING_DATA). The walk reads each header's size on its own, strictly; {@link entries} lets the caller
 * check that the extractor saw the very same entries, so a disagreement between the two readers is a
 * refusal rather than a second view of the archive. Entry names are checked to be UTF-8 here, on the raw
 * bytes, because tar-stream replaces invalid sequences silently.
 */
export class TarBoundary {
  /** Entries (regular files, directories and anything else but extended headers), in archive order. */
  readonly entries: TarEntryFrame[] = [];
  private readonly header = Buffer.alloc(BLOCK);
  private state: State = { kind: 'header', filled: 0 };
  /** The `size` of a PAX header, which replaces the next entry's own. */
  private paxSize: number | undefined;
  private paxPathEndsWithSlash = false;

  get ended(): boolean {
    return this.state.kind === 'end';
  }

  /** The part of `chunk` that belongs to the archive: all of it until the end-of-archive block, then none. */
  take(chunk: Buffer): Buffer {
    let offset = 0;
    while (offset < chunk.length) {
      const state = this.state;
      if (state.kind === 'end') {
        requireZeros(chunk.subarray(offset));
        return chunk.subarray(0, offset);
      }
      if (state.kind === 'skip') {
        const step = Math.min(state.remaining, chunk.length - offset);
        state.remaining -= step;
        offset += step;
        if (state.remaining === 0) this.state = { kind: 'header', filled: 0 };
      } else if (state.kind === 'extended') {
        const step = Math.min(state.size - state.received, chunk.length - offset);
        state.chunks.push(chunk.subarray(offset, offset + step));
        state.received += step;
        offset += step;
        if (state.received === state.size) this.finishExtended(state);
      } else {
        const step = Math.min(BLOCK - state.filled, chunk.length - offset);
        chunk.copy(this.header, state.filled, offset, offset + step);
        state.filled += step;
        offset += step;
        if (state.filled === BLOCK) this.readHeader();
      }
    }
    return chunk;
  }

  private readHeader(): void {
    const block = this.header;
    if (isZero(block)) {
      // GNU tar stops at the first zero block (a second one is customary, not required).
      this.state = { kind: 'end' };
      return;
    }
    checkChecksum(block);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const size = readNumber(block, 124, 12, 'size');
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_EXTENDED_HEADER_BYTES) {
        throw corrupt(`an extended header of ${size} bytes is larger than ${MAX_EXTENDED_HEADER_BYTES}`);
      }
      this.state = { kind: 'extended', typeflag, size, chunks: [], received: 0 };
      if (size === 0) this.finishExtended(this.state);
      return;
    }
    if (typeflag === 'N' || typeflag === 'M' || typeflag === 'S' || typeflag === 'V' || typeflag === 'D') {
      // GNU extensions whose data or meaning tar-stream would read differently from GNU tar.
      throw corrupt(`entries of GNU type "${typeflag}" are not supported`);
    }
    const name = headerName(block);
    const effective = this.paxSize ?? size;
    const directoryLike =
      typeflag === '5' ||
      ((typeflag === '0' || typeflag === '\0') && (name.endsWith('/') || this.paxPathEndsWithSlash));
    this.paxSize = undefined;
    this.paxPathEndsWithSlash = false;
    if (directoryLike && effective !== 0) {
      // tar-stream reads no data for a directory whatever its size; other readers skip the size.
      throw corrupt(`directory entry "${printable(name)}" has ${effective} bytes of data`);
    }
    this.entries.push({ size: effective });
    const padded = Math.ceil(effective / BLOCK) * BLOCK;
    this.state = padded === 0 ? { kind: 'header', filled: 0 } : { kind: 'skip', remaining: padded };
  }

  private finishExtended(state: Extract<State, { kind: 'extended' }>): void {
    const data = Buffer.concat(state.chunks);
    if (state.typeflag === 'L' || state.typeflag === 'K') {
      utf8Name(data.subarray(0, nulIndex(data, 0, data.length)));
    } else {
      const records = paxRecords(data);
      if (state.typeflag === 'g') {
        // tar-stream applies global records only next to a local PAX header, GNU tar to every entry.
        for (const key of ['path', 'linkpath', 'size']) {
          if (records.has(key)) throw corrupt(`a global PAX header must not set "${key}"`);
        }
      } else {
        const size = records.get('size');
        if (size !== undefined) {
          if (!/^\d{1,15}$/.test(size)) throw corrupt(`PAX size "${printable(size)}" is not a byte count`);
          this.paxSize = Number(size);
        }
        this.paxPathEndsWithSlash = records.get('path')?.endsWith('/') ?? false;
      }
    }
    const padded = Math.ceil(state.size / BLOCK) * BLOCK - state.size;
    this.state = padded === 0 ? { kind: 'header', filled: 0 } : { kind: 'skip', remaining: padded };
  }
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
  const ustar = block.subarray(257, 263).equals(Buffer.from('ustar\0', 'latin1'));
  if (!ustar || block[345] === 0) return name;
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
