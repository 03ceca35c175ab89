/**
 * Reads the top-level imports of a WebAssembly component while its bytes stream past, without buffering
 * the component (component-model binary format, design/mvp/Binary.md in WebAssembly/component-model).
 * Only import sections are kept; every other section, the ~12 MB core module included, is skipped by
 * counting. Nested components and core modules are skipped too: their imports are satisfied inside the
 * component, so only the top-level ones reach the host.
 */

/** What an import brings in: the sort of its `externdesc`. */
export type ComponentImportKind = 'core-module' | 'func' | 'value' | 'type' | 'component' | 'instance';

export interface ComponentImport {
  /** The name as the host sees it: `wasi:io/poll@0.2.3` for an interface, a plain name like `request` otherwise. */
  name: string;
  kind: ComponentImportKind;
  /** Only for type imports: `eq` names a type the component already has, `sub-resource` asks for a new resource. */
  typeBound?: 'eq' | 'sub-resource';
}

export type WasmBinaryScan =
  | { kind: 'component'; imports: ComponentImport[] }
  | { kind: 'core-module' }
  | { kind: 'not-wasm' }
  | { kind: 'invalid'; reason: string; offset: number };

/** Bytes of import sections one component may hold in all (real components need about a kilobyte). */
export const MAX_COMPONENT_IMPORT_BYTES = 1024 * 1024;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const PREAMBLE_BYTES = 8;
const IMPORT_SECTION = 0x0a;
/** Highest section id of the format (12: values). */
const LAST_SECTION_ID = 0x0c;

/** Thrown inside the reader only; `push` turns it into an `invalid` result. */
class Malformed extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

type State = 'preamble' | 'section-id' | 'section-size' | 'skip' | 'import-body' | 'done';

/**
 * Incremental reader: `push` every chunk of one file in order, then `end`. It never throws and stops
 * looking as soon as the answer is known (`done`): not WebAssembly, a core module, or malformed.
 */
export class ComponentImportReader {
  private state: State = 'preamble';
  private result: WasmBinaryScan | undefined;
  /** Bytes consumed before the current chunk. */
  private offset = 0;
  private readonly preamble = new Uint8Array(PREAMBLE_BYTES);
  private preambleLength = 0;
  private sectionId = 0;
  private sectionStart = 0;
  private sizeValue = 0;
  private sizeBytes = 0;
  private remaining = 0;
  private importSection: Buffer | undefined;
  private importFilled = 0;
  private importBytes = 0;
  private readonly imports: ComponentImport[] = [];

  constructor(private readonly maxImportBytes = MAX_COMPONENT_IMPORT_BYTES) {}

  /** True once further bytes cannot change the result. */
  get done(): boolean {
    return this.state === 'done';
  }

  push(chunk: Uint8Array): void {
    if (this.state === 'done') return;
    try {
      this.consume(chunk);
      this.offset += chunk.length;
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      this.finish({ kind: 'invalid', reason: error.reason, offset: error.offset });
    }
  }

  end(): WasmBinaryScan {
    if (this.result) return this.result;
    switch (this.state) {
      case 'preamble':
        // Shorter than a preamble: WebAssembly only if what is there is the magic number.
        return this.finish(
          this.preambleLength < MAGIC.length || !this.hasMagic()
            ? { kind: 'not-wasm' }
            : { kind: 'invalid', reason: 'ends inside the 8-byte preamble', offset: this.offset },
        );
      case 'section-id':
        return this.finish({ kind: 'component', imports: this.imports });
      default:
        return this.finish({
          kind: 'invalid',
          reason: `ends inside section ${this.sectionId} that starts at byte ${this.sectionStart}`,
          offset: this.offset,
        });
    }
  }

  private consume(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'preamble': {
          const take = Math.min(PREAMBLE_BYTES - this.preambleLength, chunk.length - at);
          this.preamble.set(chunk.subarray(at, at + take), this.preambleLength);
          this.preambleLength += take;
          at += take;
          if (this.preambleLength >= MAGIC.length && !this.hasMagic()) this.finish({ kind: 'not-wasm' });
          else if (this.preambleLength === PREAMBLE_BYTES) this.readPreamble();
          if (this.done) return;
          break;
        }
        case 'section-id': {
          this.sectionStart = this.offset + at;
          const id = chunk[at++] ?? 0;
          if (id > LAST_SECTION_ID) throw new Malformed(`unknown section id ${id}`, this.sectionStart);
          this.sectionId = id;
          this.sizeValue = 0;
          this.sizeBytes = 0;
          this.state = 'section-size';
          break;
        }
        case 'section-size': {
          const byte = chunk[at++] ?? 0;
          this.sizeValue += (byte & 0x7f) * 2 ** (7 * this.sizeBytes);
          this.sizeBytes += 1;
          if (byte & 0x80) {
            if (this.sizeBytes === 5) throw new Malformed('section size is not a valid u32', this.sectionStart + 1);
          } else {
            if (this.sizeValue > 0xffff_ffff)
              throw new Malformed('section size is not a valid u32', this.sectionStart + 1);
            this.startSection();
          }
          break;
        }
        case 'skip': {
          const take = Math.min(this.remaining, chunk.length - at);
          this.remaining -= take;
          at += take;
          if (this.remaining === 0) this.state = 'section-id';
          break;
        }
        case 'import-body': {
          const section = this.importSection as Buffer;
          const take = Math.min(section.length - this.importFilled, chunk.length - at);
          section.set(chunk.subarray(at, at + take), this.importFilled);
          this.importFilled += take;
          at += take;
          if (this.importFilled === section.length) {
            this.readImportSection(section, this.offset + at - section.length);
            this.importSection = undefined;
            this.state = 'section-id';
          }
          break;
        }
        case 'done':
          return;
      }
    }
  }

  private hasMagic(): boolean {
    return MAGIC.every((byte, index) => this.preamble[index] === byte);
  }

  private readPreamble(): void {
    const [, , , , v0, v1, l0, l1] = this.preamble;
    if (v0 === 0x01 && v1 === 0x00 && l0 === 0x00 && l1 === 0x00) {
      this.finish({ kind: 'core-module' });
      return;
    }
    if (l0 !== 0x01 || l1 !== 0x00) {
      throw new Malformed(`unknown WebAssembly version/layer ${hex(this.preamble.subarray(4))}`, 4);
    }
    if (v0 !== 0x0d || v1 !== 0x00) {
      throw new Malformed(
        `component binary version ${hex(this.preamble.subarray(4, 6))} is not supported (0x0d 0x00 is)`,
        4,
      );
    }
    this.state = 'section-id';
  }

  private startSection(): void {
    const size = this.sizeValue;
    if (this.sectionId !== IMPORT_SECTION) {
      this.remaining = size;
      this.state = size === 0 ? 'section-id' : 'skip';
      return;
    }
    this.importBytes += size;
    if (this.importBytes > this.maxImportBytes) {
      throw new Malformed(
        `import sections hold more than ${this.maxImportBytes} bytes; real components need a few kilobytes`,
        this.sectionStart,
      );
    }
    if (size === 0) throw new Malformed('empty import section', this.sectionStart);
    this.importSection = Buffer.allocUnsafe(size);
    this.importFilled = 0;
    this.state = 'import-body';
  }

  /** `vec(import)`, where `import ::= importname' externdesc`. */
  private readImportSection(bytes: Buffer, base: number): void {
    const cursor = new Cursor(bytes, base);
    for (let count = cursor.u32(); count > 0; count--) this.imports.push(readImport(cursor));
    if (!cursor.atEnd) throw new Malformed('import section has bytes after its last import', cursor.position);
  }

  private finish(result: WasmBinaryScan): WasmBinaryScan {
    this.result = result;
    this.state = 'done';
    this.importSection = undefined;
    return result;
  }
}

function readImport(cursor: Cursor): ComponentImport {
  const start = cursor.position;
  // importname' ::= 0x00 len:<u32> in:<importname>
  //               | 0x01 len:<u32> in:<importname> vs:<versionsuffix'>   (versionsuffix' ::= len:<u32> vs)
  // Binaries of 2023 used 0x01 for interface names with no suffix string; today's wasm-tools writes 0x00
  // for every name (the version is part of the string), which is what componentize-js produces.
  const tag = cursor.u8();
  let name: string;
  if (tag === 0x00) name = cursor.string();
  else if (tag === 0x01) name = cursor.string() + cursor.string();
  else throw new Malformed(`unknown import name tag 0x${tag.toString(16)}`, start);
  const sort = cursor.u8();
  switch (sort) {
    case 0x00:
      if (cursor.u8() !== 0x11) throw new Malformed(`import "${name}" has an unknown core sort`, start);
      cursor.u32();
      return { name, kind: 'core-module' };
    case 0x01:
      cursor.u32();
      return { name, kind: 'func' };
    case 0x02: {
      // valuebound ::= 0x00 valueidx | 0x01 valtype; a valtype is one LEB128 (a type index or a primitive's code).
      const bound = cursor.u8();
      if (bound > 0x01) throw new Malformed(`import "${name}" has an unknown value bound`, start);
      cursor.leb();
      return { name, kind: 'value' };
    }
    case 0x03: {
      const bound = cursor.u8();
      if (bound === 0x00) {
        cursor.u32();
        return { name, kind: 'type', typeBound: 'eq' };
      }
      if (bound === 0x01) return { name, kind: 'type', typeBound: 'sub-resource' };
      throw new Malformed(`import "${name}" has an unknown type bound`, start);
    }
    case 0x04:
      cursor.u32();
      return { name, kind: 'component' };
    case 0x05:
      cursor.u32();
      return { name, kind: 'instance' };
    default:
      throw new Malformed(`import "${name}" has an unknown sort 0x${sort.toString(16)}`, start);
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Reads one fully buffered section; every read past its end is a malformed binary. */
class Cursor {
  private at = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly base: number,
  ) {}

  get position(): number {
    return this.base + this.at;
  }

  get atEnd(): boolean {
    return this.at === this.bytes.length;
  }

  u8(): number {
    const byte = this.bytes[this.at];
    if (byte === undefined) throw new Malformed('import section ends in the middle of an import', this.position);
    this.at += 1;
    return byte;
  }

  u32(): number {
    const start = this.position;
    let value = 0;
    for (let index = 0; index < 5; index++) {
      const byte = this.u8();
      value += (byte & 0x7f) * 2 ** (7 * index);
      if (!(byte & 0x80)) {
        if (value > 0xffff_ffff) break;
        return value;
      }
    }
    throw new Malformed('invalid u32', start);
  }

  /** Skips one LEB128 number of at most 5 bytes (a u32 or an s33). */
  leb(): void {
    for (let index = 0; index < 5; index++) if (!(this.u8() & 0x80)) return;
    throw new Malformed('invalid LEB128 number', this.position);
  }

  string(): string {
    const start = this.position;
    const length = this.u32();
    if (length > this.bytes.length - this.at) throw new Malformed('a name runs past its import section', start);
    const bytes = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    try {
      return UTF8.decode(bytes);
    } catch {
      throw new Malformed('a name is not valid UTF-8', start);
    }
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(' ');
}
