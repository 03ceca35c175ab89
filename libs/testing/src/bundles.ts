import { compress } from 'zstd-napi';

/** Entry kinds a hand-made tar can hold, including the ones a bundle must never contain. */
export type RawEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo';

export interface RawEntry {
  name: string;
  type?: RawEntryType;
  data?: Buffer | string;
  linkname?: string;
  mode?: number;
  /** Put the name in a PAX extended header instead of the ustar header (allows any byte, any length). */
  paxName?: boolean;
}

const TYPE_FLAGS: Record<RawEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  'char-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

/**
 * Builds a tar archive byte by byte, without any library's safety checks, so tests can make exactly the
 * hostile archives a bundle reader must refuse.
 */
export function rawTar(entries: readonly RawEntry[], options: { endMarker?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const data = Buffer.from(entry.data ?? '');
    if (entry.paxName) {
      const record = paxRecord('path', entry.name);
      blocks.push(header({ name: 'PaxHeader', size: record.length, typeflag: 'x', mode: 0o644 }), pad(record));
    }
    blocks.push(
      header({
        name: entry.paxName ? 'pax-named-entry' : entry.name,
        size: type === 'file' ? data.length : 0,
        typeflag: TYPE_FLAGS[type],
        mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
        linkname: entry.linkname,
      }),
    );
    if (type === 'file' && data.length > 0) blocks.push(pad(data));
  }
  if (options.endMarker !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  // The record length counts its own digits.
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
  return Buffer.from(`${length}${body}`);
}

function header(fields: { name: string; size: number; typeflag: string; mode: number; linkname?: string }): Buffer {
  const block = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string): void => {
    Buffer.from(value, 'binary').copy(block, offset, 0, length);
  };
  const octal = (value: number, length: number): string => `${value.toString(8).padStart(length - 1, '0')}\0`;
  block.write(fields.name.slice(0, 100), 0, 'utf8');
  put(100, 8, octal(fields.mode, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(fields.size, 12));
  put(136, 12, octal(0, 12));
  put(148, 8, '        ');
  put(156, 1, fields.typeflag);
  if (fields.linkname) block.write(fields.linkname.slice(0, 100), 157, 'utf8');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function pad(data: Buffer): Buffer {
  const remainder = data.length % 512;
  return remainder === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - remainder)]);
}

export function zstd(data: Buffer, level = 3): Buffer {
  return compress(data, { compressionLevel: level });
}

/** A manifest that passes validation; override any field. */
export function manifestFor(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'com.example.tickets',
    publisher: 'example',
    version: '1.0.0',
    displayName: 'Ticket helper',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    capabilities: ['cap:log.emit', 'cap:context.read'],
    ui: { type: 'iframe', entry: 'ui/index.html' },
    api: { endpoints: [{ method: 'GET', path: '/tickets/:id', handler: 'getTicket' }] },
    ...overrides,
  };
}

/** The entries of a small valid bundle: manifest, component, UI page. */
export function validEntries(manifestOverrides: Record<string, unknown> = {}): RawEntry[] {
  return [
    { name: 'dist', type: 'directory' },
    // An empty component: it imports nothing, so it passes the import check at finalize.
    { name: 'dist/main.wasm', data: componentImporting([]) },
    { name: 'manifest.json', data: JSON.stringify(manifestFor(manifestOverrides)) },
    { name: 'ui', type: 'directory' },
    { name: 'ui/index.html', data: '<!doctype html><title>Tickets</title>' },
  ];
}

/**
 * A tiny WebAssembly component (component-model binary: preamble, then one import section) importing each
 * name as an instance of type 0. Enough for a reader of imports; it would not validate or run.
 */
export function componentImporting(names: readonly string[]): Buffer {
  const preamble = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);
  if (names.length === 0) return preamble;
  const imports = names.map((name) => {
    const bytes = Buffer.from(name, 'utf8');
    return Buffer.concat([Buffer.from([0x00]), leb128(bytes.length), bytes, Buffer.from([0x05, 0x00])]);
  });
  const section = Buffer.concat([leb128(names.length), ...imports]);
  return Buffer.concat([preamble, Buffer.from([0x0a]), leb128(section.length), section]);
}

/** Unsigned LEB128, the integer encoding of WebAssembly binaries. */
export function leb128(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = rest % 128;
    rest = Math.floor(rest / 128);
    bytes.push(rest > 0 ? low | 0x80 : low);
  } while (rest > 0);
  return Buffer.from(bytes);
}

/** zstd(tar(entries)): a bundle from hand-made entries. */
export function bundleOf(entries: readonly RawEntry[], options: { endMarker?: boolean } = {}): Buffer {
  return zstd(rawTar(entries, options));
}
